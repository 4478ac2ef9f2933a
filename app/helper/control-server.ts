/**
 * The privileged helper's control channel (issue 4 §1): a local socket
 * speaking the IPC schema, reachable only by the one local user the helper
 * serves. Which socket, and how others are kept out, is the endpoint's
 * business (endpoint.ts): on Linux a Unix socket owned by that user with mode
 * 0600 in a directory only root can write, on Windows a named pipe whose DACL
 * admits only that user's SID. Each line is validated; a client that sends
 * garbage gets an error and, for oversized lines, is disconnected.
 */
import net from 'node:net';
import type { EventName, EventOf } from '../../ipc/schema.js';
import type { createDispatcher } from '../../ipc/server.js';
import { answerRequest, LineSplitter } from '../../ipc/wire.js';
import { endpointKind, type ControlEndpoint } from './endpoint.js';
import { namedPipeEndpoint } from './named-pipe-endpoint.js';
import { unixSocketEndpoint } from './unix-socket-endpoint.js';

/** The user the channel is for: uid and gid on Linux, the user's SID on Windows. */
export type ServedUser = { uid: number; gid: number } | { userSid: string };

export type ControlServerOptions = ServedUser & {
  /** Unix socket path, or \\.\pipe\… on Windows. */
  socketPath: string;
  dispatch: ReturnType<typeof createDispatcher>;
  /** Overrides the endpoint chosen for this platform (tests). */
  endpoint?: ControlEndpoint;
};

export interface ControlServer {
  /** Sends an event to every connected client. */
  broadcast<E extends EventName>(event: E, payload: EventOf<E>): void;
  readonly clients: number;
  close(): Promise<void>;
}

/** The endpoint for this platform, refusing a served user of the other platform's kind. */
export function controlEndpoint(
  options: ControlServerOptions,
  platform: NodeJS.Platform = process.platform,
): ControlEndpoint {
  if (options.endpoint) return options.endpoint;
  const kind = endpointKind(platform);
  if (kind === 'named-pipe') {
    if (!('userSid' in options)) throw new Error('on Windows the served user is given by SID');
    return namedPipeEndpoint(options.socketPath, options.userSid);
  }
  if (!('uid' in options)) throw new Error('the served user is given by uid and gid');
  return unixSocketEndpoint(options.socketPath, options.uid, options.gid);
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const endpoint = controlEndpoint(options);
  const sockets = new Set<net.Socket>();
  // Clients that may hear events: all of them, or only those that have written.
  const listeners = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    if (!endpoint.silentUntilRequest) listeners.add(socket);
    socket.setEncoding('utf8');
    const send = (frame: unknown) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(frame)}\n`);
    };
    const lines = new LineSplitter(
      (line) => answerRequest(line, options.dispatch, send),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => {
      listeners.add(socket);
      lines.push(chunk);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      listeners.delete(socket);
    });
  });
  await endpoint.listen(server);
  return {
    broadcast(event, payload) {
      const line = `${JSON.stringify({ event, payload })}\n`;
      for (const s of listeners) if (!s.destroyed) s.write(line);
    },
    get clients() {
      return sockets.size;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await endpoint.cleanup();
    },
  };
}
