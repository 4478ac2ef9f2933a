/**
 * The main side of every command channel, minus Electron: a command is
 * dispatched only when the frame that sent it shows one of the app's own
 * pages (window-policy.ts), and the answer is always an Envelope, never a
 * thrown error, so nothing but the schema's shape crosses back.
 */
import { isCommandName, type Envelope } from '../../../ipc/schema.js';
import type { MainCore } from '../core-api.js';
import { isTrustedSender } from '../window-policy.js';

export type CommandGate = (
  frameUrl: string | undefined,
  command: unknown,
  payload: unknown,
) => Promise<Envelope>;

export function commandGate(dispatch: MainCore['dispatch'], appRoot: string): CommandGate {
  return async (frameUrl, command, payload) => {
    if (!isTrustedSender(frameUrl, appRoot)) {
      return { ok: false, error: { code: 'failed', message: 'not allowed from this page' } };
    }
    if (!isCommandName(command)) {
      return { ok: false, error: { code: 'unknown-command', message: 'unknown command' } };
    }
    try {
      return await dispatch(command, payload);
    } catch {
      // dispatch answers failures itself; this is only a last line of defence.
      return { ok: false, error: { code: 'failed', message: 'internal error' } };
    }
  };
}
