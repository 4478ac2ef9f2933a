/**
 * Runs the notification decision (ipc/notifications.ts) over the tunnel
 * states the main process receives and hands each notice to the shell, which
 * shows it (Electron: a system notification). Kept apart from Electron so it
 * is plain, testable TypeScript.
 */
import {
  decideNotifications,
  initialNotifyMemory,
  type Notice,
  type NotifyInput,
} from '../../ipc/notifications.js';
import type { MainCore } from './core-api.js';

export function notifyFromCore(
  core: Pick<MainCore, 'onEvent'>,
  show: (notice: Notice) => void,
  now: () => number = Date.now,
): () => void {
  let memory = initialNotifyMemory;
  const feed = (input: NotifyInput) => {
    const out = decideNotifications(memory, input, now());
    memory = out.memory;
    for (const notice of out.notices) show(notice);
  };
  return core.onEvent((event, payload) => {
    if (event === 'state') feed({ tunnel: payload as NotifyInput['tunnel'] });
  });
}
