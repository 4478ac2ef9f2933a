// A manual clock and timer queue for PortalSession: tests move time forward and
// see exactly which timers fire, without waiting.
import type { SetTimer } from '../../../app/signin/portal-session.js';

export class FakeClock {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  readonly setTimer: SetTimer = (fn, ms) => {
    const id = this.nextId++;
    this.timers.push({ at: this.now + ms, fn, id });
    return { cancel: () => (this.timers = this.timers.filter((t) => t.id !== id)) };
  };

  /** Times at which pending timers fire, soonest first. */
  pending(): number[] {
    return this.timers.map((t) => t.at).sort((a, b) => a - b);
  }

  /** Moves time to `now + ms`, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.at);
      next.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }
}

/** Lets promise chains (including real localhost HTTP) run to completion. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
