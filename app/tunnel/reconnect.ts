/**
 * Never giving up while the user wants the tunnel (issue 12 §2): the one
 * place that says how often a lost tunnel tries again and when a handshake
 * counts as lost. Shared by the helper's state machine and the CLI, and the
 * hook for whatever else should happen on each attempt (re-resolving an
 * endpoint's host name, a handshake after a network change).
 */
import type { WgEvent } from './wireguard/types.js';

/** First retry after 1 s, doubling, never more than this apart. */
export const RECONNECT_MAX_DELAY_MS = 30_000;
export const RECONNECT_FIRST_DELAY_MS = 1_000;
/** A handshake initiation unanswered this long means the tunnel is lost. */
export const HANDSHAKE_LOST_MS = 15_000;

/** Delay before attempt `attempt + 1` (attempt counts from 1): 1, 2, 4, 8, 16, 30, 30… s. */
export function reconnectDelayMs(attempt: number): number {
  const n = Math.max(0, Math.min(Math.floor(attempt) - 1, 30));
  return Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_FIRST_DELAY_MS * 2 ** n);
}

/**
 * Watches handshakes: the time the oldest initiation still unanswered was
 * sent, cleared by a completed handshake. WireGuard itself retries for 90 s
 * before giving up; a tunnel whose server stays silent for 15 s is already
 * not carrying traffic, and the user should see that.
 */
export class HandshakeWatch {
  private pendingSince: number | null = null;

  onEvent(event: WgEvent, now: number): void {
    if (event.name === 'handshake-initiated') this.pendingSince ??= now;
    else if (event.name === 'handshake-complete') this.pendingSince = null;
  }

  /** Whether an initiation has gone unanswered for HANDSHAKE_LOST_MS (or `limitMs`). */
  lost(now: number, limitMs = HANDSHAKE_LOST_MS): boolean {
    return this.pendingSince !== null && now - this.pendingSince >= limitMs;
  }

  reset(): void {
    this.pendingSince = null;
  }
}

export interface RetryLoopOptions {
  /** Starts a handshake with every peer without a session (RunningTunnel.probePeers). */
  probe: () => void;
  /** Told of each attempt (for the log, and for re-resolving endpoints). */
  onAttempt?: (attempt: number, nextInMs: number) => void;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void };
  clearTimer?: (timer: unknown) => void;
}

/**
 * For the CLI, which has no state machine: once WireGuard gives up on a
 * handshake, keep starting new ones with backoff until one completes.
 */
export class RetryLoop {
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly options: RetryLoopOptions) {}

  onEvent(event: WgEvent): void {
    if (this.stopped) return;
    if (event.name === 'handshake-complete') {
      this.cancel();
      this.attempt = 0;
    } else if (event.name === 'handshake-gave-up' && this.timer === null) {
      this.schedule();
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private schedule(): void {
    const delay = reconnectDelayMs(this.attempt + 1);
    const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    const timer = set(() => {
      // A timer cancelled just as it fired (or after stop) does nothing.
      if (this.stopped || this.timer !== timer) return;
      this.timer = null;
      this.attempt++;
      this.options.onAttempt?.(this.attempt, reconnectDelayMs(this.attempt + 1));
      this.options.probe();
      this.schedule();
    }, delay);
    timer.unref?.();
    this.timer = timer;
  }

  private cancel(): void {
    if (this.timer !== null)
      (this.options.clearTimer ?? ((t) => clearTimeout(t as never)))(this.timer);
    this.timer = null;
  }
}
