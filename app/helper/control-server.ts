/**
 * The privileged helper's control channel (issue 4 §1): a local socket
 * speaking the IPC schema, reachable only by the one local user the helper
 * serves. Which socket, and how others are kept out, is the endpoint's
 * business (endpoint.ts): on Linux a Unix socket owned by that user with mode
 * 0600 in a directory only root can write, on Windows a named pipe whose DACL
 * admits only that user's SID. Each line is validated; a client that sends
 * garbage gets an error and, for oversized lines, is disconnected.
 *
 * The served user is trusted with commands, not with the helper's memory:
 * connections are capped (a new one beyond the cap closes the one quiet
 * longest, so the GUI always gets back in), a partial line must be completed
 * within PARTIAL_LINE_MS, requests in flight per connection are bounded (the
 * socket stops being read meanwhile), and a client that does not read its
 * answers is dropped once they pile up.
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

/** What one served user may hold in the helper at once; see the file comment. */
export const CONTROL_LIMITS = {
  connections: 8,
  /** A line started but not finished within this long closes the connection. */
  partialLineMs: 10_000,
  inFlightPerConnection: 16,
  /** Answers and events queued for a client that does not read them. */
  unreadBytes: 8 * 1024 * 1024,
};

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const endpoint = controlEndpoint(options);
  const limits = CONTROL_LIMITS;
  // Insertion order is refreshed on activity, so the first entry is the quietest.
  const sockets = new Set<net.Socket>();
  // Clients that may hear events: all of them, or only those that have written.
  const listeners = new Set<net.Socket>();
  const write = (socket: net.Socket, text: string) => {
    if (socket.destroyed) return;
    if (socket.writableLength + text.length > limits.unreadBytes) {
      socket.destroy();
      return;
    }
    socket.write(text);
  };
  const server = net.createServer((socket) => {
    if (sockets.size >= limits.connections) {
      const quietest = sockets.keys().next().value;
      quietest?.destroy();
      if (quietest) sockets.delete(quietest);
    }
    sockets.add(socket);
    if (!endpoint.silentUntilRequest) listeners.add(socket);
    socket.setEncoding('utf8');
    let inFlight = 0;
    // Complete lines not yet dispatched: at most what one read brought in, since reading
    // stops while any wait.
    const waiting: string[] = [];
    let partialSince: NodeJS.Timeout | null = null;
    const send = (frame: unknown) => write(socket, `${JSON.stringify(frame)}\n`);
    const pump = () => {
      while (inFlight < limits.inFlightPerConnection && waiting.length > 0) {
        inFlight++;
        answerRequest(waiting.shift()!, options.dispatch, (frame) => {
          send(frame);
          inFlight--;
          pump();
        });
      }
      if (socket.destroyed) return;
      if (waiting.length > 0) socket.pause();
      else socket.resume();
    };
    const lines = new LineSplitter(
      (line) => waiting.push(line),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => {
      listeners.add(socket);
      // Most recently active last: eviction takes the first.
      sockets.delete(socket);
      sockets.add(socket);
      lines.push(chunk);
      pump();
      if (lines.pending === 0) {
        if (partialSince) clearTimeout(partialSince);
        partialSince = null;
      } else if (!partialSince) {
        partialSince = setTimeout(() => socket.destroy(), limits.partialLineMs);
        partialSince.unref();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      waiting.length = 0;
      if (partialSince) clearTimeout(partialSince);
      sockets.delete(socket);
      listeners.delete(socket);
    });
  });
  await endpoint.listen(server);
  return {
    broadcast(event, payload) {
      const line = `${JSON.stringify({ event, payload })}\n`;
      for (const s of listeners) write(s, line);
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
