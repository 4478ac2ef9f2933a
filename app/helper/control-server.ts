/**
 * The privileged helper's control socket (issue 4 §1, Linux): a Unix socket
 * speaking the IPC schema, reachable only by the one local user the helper
 * serves. The socket lives in a directory only root can write, and the socket
 * file itself is owned by that user with mode 0600, so the kernel refuses
 * everybody else at connect(). Each line is validated; a client that sends
 * garbage gets an error and, for oversized lines, is disconnected.
 */
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { EventName, EventOf } from '../../ipc/schema.js';
import type { createDispatcher } from '../../ipc/server.js';
import { answerRequest, LineSplitter } from '../../ipc/wire.js';

export interface ControlServerOptions {
  socketPath: string;
  /** The user (and group) the socket is for. */
  uid: number;
  gid: number;
  dispatch: ReturnType<typeof createDispatcher>;
}

export interface ControlServer {
  /** Sends an event to every connected client. */
  broadcast<E extends EventName>(event: E, payload: EventOf<E>): void;
  readonly clients: number;
  close(): Promise<void>;
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const dir = path.dirname(options.socketPath);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const dirInfo = await stat(dir);
  if (dirInfo.uid !== process.getuid?.() || (dirInfo.mode & 0o022) !== 0) {
    throw new Error(`${dir} must belong to the helper and not be writable by others`);
  }
  await rm(options.socketPath, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    const send = (frame: unknown) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
    };
    const lines = new LineSplitter(
      (line) => answerRequest(line, options.dispatch, send),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Created with a umask that leaves nobody but the owner access, then handed over.
    const umask = process.umask(0o177);
    server.listen(options.socketPath, () => {
      process.umask(umask);
      resolve();
    });
  });
  await chown(options.socketPath, options.uid, options.gid);
  await chmod(options.socketPath, 0o600);
  return {
    broadcast(event, payload) {
      const line = `${JSON.stringify({ event, payload })}\n`;
      for (const s of sockets) if (!s.destroyed) s.write(line);
    },
    get clients() {
      return sockets.size;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(options.socketPath, { force: true });
    },
  };
}
