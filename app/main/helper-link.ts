/**
 * A lasting link from the GUI to the helper: connects, and when the helper
 * goes away (restart, upgrade) reconnects with backoff, re-subscribing events.
 * While disconnected, commands fail at once with a clear message instead of
 * hanging, and the owner is told, so the UI can show it.
 */
import type { Transport } from '../../ipc/client.js';
import type { CommandName, EventName } from '../../ipc/schema.js';
import { backoffDelays, type BackoffOptions } from './backoff.js';
import { connectHelper } from './helper-transport.js';

export interface HelperLink extends Transport {
  readonly connected: boolean;
  close(): void;
}

export function linkToHelper(
  socketPath: string,
  options: BackoffOptions & {
    trustedOwner?: number;
    onStatus?: (connected: boolean, reason: string | null) => void;
  } = {},
): HelperLink {
  const delay = backoffDelays(options);
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let current: Awaited<ReturnType<typeof connectHelper>> | null = null;
  let attempt = 0;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  const attach = (t: Awaited<ReturnType<typeof connectHelper>>) => {
    for (const [event, set] of listeners) {
      t.subscribe(event, (payload) => {
        for (const l of set) l(payload);
      });
    }
  };

  const connect = async (): Promise<void> => {
    timer = null;
    if (closed) return;
    try {
      const t = await connectHelper(socketPath, options.trustedOwner ?? 0);
      if (closed) {
        t.close();
        return;
      }
      current = t;
      attempt = 0;
      attach(t);
      options.onStatus?.(true, null);
      void t.closed.then(() => {
        current = null;
        if (closed) return;
        options.onStatus?.(false, 'the Slipstream service went away');
        schedule();
      });
    } catch (e) {
      options.onStatus?.(false, e instanceof Error ? e.message : String(e));
      schedule();
    }
  };
  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => void connect(), delay(attempt++));
  };
  void connect();

  return {
    get connected() {
      return current !== null;
    },
    invoke(command: CommandName, payload: unknown) {
      if (!current) {
        return Promise.resolve({
          ok: false,
          error: { code: 'failed', message: 'not connected to the Slipstream service' },
        });
      }
      return current.invoke(command, payload);
    },
    subscribe(event: EventName, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
        // Already connected: forward this event name from the live connection too.
        const s = set;
        current?.subscribe(event, (payload) => {
          for (const l of s) l(payload);
        });
      }
      set.add(listener);
      return () => set.delete(listener);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      current?.close();
      current = null;
    },
  };
}
