/**
 * What the preload exposes as `window.slipstream`: exactly the ipc/ Transport,
 * derived from the schema. Kept apart from preload.ts (which only wires it to
 * Electron) so the name checks run in plain Node tests.
 *
 * The renderer is untrusted, so nothing here trusts its arguments: names not
 * in the schema never reach a channel, listeners must be functions, and the
 * IpcRendererEvent (which carries `sender`, i.e. ipcRenderer itself) is never
 * handed to renderer code.
 */
import type { Transport } from '../../../ipc/client.js';
import {
  commandChannel,
  eventChannel,
  events,
  isCommandName,
  type EventName,
} from '../../../ipc/schema.js';

/** The part of Electron's ipcRenderer the API uses: the seam a test fakes. */
export interface IpcRendererSeam {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export function createPreloadApi(ipc: IpcRendererSeam): Transport {
  return {
    invoke(command, payload) {
      // An answer in the Envelope shape, like main's own refusals, so the
      // typed client reports it as an IpcError instead of a transport crash.
      if (!isCommandName(command)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'unknown-command', message: 'unknown command' },
        });
      }
      return ipc.invoke(commandChannel(command), payload);
    },
    subscribe(event, listener) {
      if (!isEventName(event)) throw new TypeError('unknown event');
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const channel = eventChannel(event);
      // Only the payload crosses: the IpcRendererEvent stays in the preload.
      const forward = (_event: unknown, payload?: unknown) => listener(payload);
      ipc.on(channel, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, forward);
      };
    },
  };
}
