/**
 * The GUI's side of the helper's control socket: an ipc/ Transport over a
 * Unix socket (a named pipe on Windows). Before trusting the socket it checks
 * who owns the directory it lives in (root, or the helper's expected owner),
 * so an unprivileged process cannot impersonate the helper by creating the
 * socket first. On Windows it checks the pipe instead: owned by SYSTEM or
 * Administrators and served by the helper service's process
 * (checkPipeServer).
 */
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Transport } from '../../ipc/client.js';
import type { CommandName, EventName } from '../../ipc/schema.js';
import { LineSplitter, ServerFrame } from '../../ipc/wire.js';
import { loadAddon } from '../native/addon.js';
import { HELPER_SERVICE_NAME, pipeServerTrusted } from '../helper/windows-pipe.js';

export class HelperUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperUnavailable';
  }
}

async function checkSocketDirectory(socketPath: string, trustedOwner: number): Promise<void> {
  const dir = await stat(path.dirname(socketPath)).catch(() => null);
  if (!dir) throw new HelperUnavailable('the Slipstream service is not running');
  if (dir.uid !== trustedOwner || (dir.mode & 0o022) !== 0) {
    throw new HelperUnavailable(
      'the service socket is not owned by the system; refusing to use it',
    );
  }
}

/**
 * Windows: who serves the pipe, through the addon (a libuv socket cannot
 * tell). The check opens its own short connection at identification level,
 * so a pipe that turns out not to be the helper's learns who asked but cannot
 * act as them; net.createConnection could not promise that.
 */
export function checkPipeServer(pipePath: string): void {
  const addon = loadAddon();
  if (!addon.inspectPipeServer || !addon.queryService) {
    throw new HelperUnavailable('this build cannot check the Slipstream service on Windows');
  }
  let info;
  try {
    info = addon.inspectPipeServer(pipePath);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new HelperUnavailable(
      code === 'ERROR_ACCESS_DENIED'
        ? 'not allowed to talk to the Slipstream service'
        : 'the Slipstream service is not running',
    );
  }
  let servicePid: number | null = null;
  try {
    servicePid = addon.queryService(HELPER_SERVICE_NAME)?.pid ?? null;
  } catch {
    // Without the SCM's answer the owner check alone decides.
  }
  const trust = pipeServerTrusted(info, servicePid);
  if (!trust.trusted) {
    throw new HelperUnavailable(`${trust.reason}; refusing to use the service pipe`);
  }
}

export async function connectHelper(
  socketPath: string,
  trustedOwner = 0,
  platform: NodeJS.Platform = process.platform,
): Promise<Transport & { close(): void; readonly closed: Promise<void> }> {
  if (platform === 'win32') checkPipeServer(socketPath);
  else await checkSocketDirectory(socketPath, trustedOwner);
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.createConnection(socketPath, () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new HelperUnavailable(
          e.code === 'EACCES'
            ? 'not allowed to talk to the Slipstream service'
            : 'the Slipstream service is not running',
        ),
      ),
    );
  });
  if (platform === 'win32') {
    // Checked again now that the connection exists: the pipe could have changed
    // hands between the first check and the connect (the service restarting and
    // somebody else taking the name meanwhile). Nothing has been sent yet.
    try {
      checkPipeServer(socketPath);
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }
  socket.setEncoding('utf8');
  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const fail = () => {
    for (const resolve of pending.values()) {
      resolve({
        ok: false,
        error: { code: 'failed', message: 'the Slipstream service went away' },
      });
    }
    pending.clear();
  };
  const lines = new LineSplitter(
    (line) => {
      let frame;
      try {
        frame = ServerFrame.safeParse(JSON.parse(line));
      } catch {
        return;
      }
      if (!frame.success) return;
      const f = frame.data;
      if ('id' in f) {
        pending.get(f.id)?.(f.envelope);
        pending.delete(f.id);
      } else {
        for (const l of listeners.get(f.event) ?? []) l(f.payload);
      }
    },
    () => socket.destroy(),
  );
  socket.on('data', (chunk: string) => lines.push(chunk));
  socket.on('close', fail);
  socket.on('error', () => socket.destroy());
  return {
    invoke(command: CommandName, payload: unknown) {
      if (socket.destroyed) {
        return Promise.resolve({
          ok: false,
          error: { code: 'failed', message: 'the Slipstream service went away' },
        });
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.write(`${JSON.stringify({ id, command, payload })}\n`);
      });
    },
    subscribe(event: EventName, listener: (payload: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    close() {
      socket.destroy();
    },
    closed,
  };
}
