/**
 * Runs the notification decision (ipc/notifications.ts) over the tunnel
 * states and account states the main process receives and hands each notice
 * to the shell, which shows it (Electron: a system notification). Kept apart
 * from Electron so it is plain, testable TypeScript.
 */
import {
  decideNotifications,
  initialNotifyMemory,
  type Notice,
  type NotifyInput,
} from '../../ipc/notifications.js';
import type { AccountState, TunnelState } from '../../ipc/schema.js';
import type { MainCore } from './core-api.js';

/** How often the sign-in's end is looked at when no tunnel state arrives (a warning is due by time alone). */
export const EXPIRY_CHECK_MS = 30_000;

export interface NotifierTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: NotifierTimers = {
  setInterval: (fn, ms) => {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export function notifyFromCore(
  core: Pick<MainCore, 'onEvent'>,
  show: (notice: Notice) => void,
  now: () => number = Date.now,
  timers: NotifierTimers = realTimers,
): () => void {
  let memory = initialNotifyMemory;
  let tunnel: TunnelState | null = null;
  let signInExpiresAt: number | null = null;
  const feed = () => {
    if (tunnel === null) return;
    const input: NotifyInput = { tunnel, signInExpiresAt };
    const out = decideNotifications(memory, input, now());
    memory = out.memory;
    for (const notice of out.notices) show(notice);
  };
  const unsubscribe = core.onEvent((event, payload) => {
    if (event === 'state') {
      tunnel = payload as TunnelState;
      feed();
    } else if (event === 'account') {
      const account = payload as AccountState;
      signInExpiresAt = account.status === 'signed-in' ? (account.expiresAt ?? null) : null;
      feed();
    }
  });
  const ticker = timers.setInterval(feed, EXPIRY_CHECK_MS);
  return () => {
    timers.clearInterval(ticker);
    unsubscribe();
  };
}
