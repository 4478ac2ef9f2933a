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
 * connections are capped (a new one beyond the cap closes the quietest one
 * that waits for no answer, or is turned away), a started line must be
 * completed within partialLineMs, requests in flight per connection are
 * bounded (the socket stops being read meanwhile), and a client that does not
 * read its answers is dropped once they pile up. A process of the served user
 * can still crowd the helper's connections; it could as well kill that user's
 * app.
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
  // Requests in flight per connection; a connection with none may make room for a newcomer.
  const busy = new Map<net.Socket, number>();
  const server = net.createServer((socket) => {
    if (sockets.size >= limits.connections) {
      // The quietest connection that is not waiting for an answer makes room; when all are,
      // the newcomer is turned away (it retries) rather than cutting an answer off.
      let idle: net.Socket | undefined;
      for (const s of sockets) {
        if ((busy.get(s) ?? 0) === 0) {
          idle = s;
          break;
        }
      }
      if (!idle) {
        socket.destroy();
        return;
      }
      idle.destroy();
      sockets.delete(idle);
    }
    sockets.add(socket);
    busy.set(socket, 0);
    if (!endpoint.silentUntilRequest) listeners.add(socket);
    socket.setEncoding('utf8');
    // Complete lines not yet dispatched: at most what one read brought in, since reading
    // stops while any wait.
    const waiting: string[] = [];
    let partial: NodeJS.Timeout | null = null;
    let paused = false;
    let pumping = false;
    const send = (frame: unknown) => write(socket, `${JSON.stringify(frame)}\n`);
    // A started line must end within partialLineMs of reading time: the clock runs only
    // while a partial line waits and reading goes on.
    const watchPartial = () => {
      if (partial) clearTimeout(partial);
      partial = null;
      if (lines.pending > 0 && !paused && !socket.destroyed) {
        partial = setTimeout(() => socket.destroy(), limits.partialLineMs);
        partial.unref();
      }
    };
    const pump = () => {
      // Answers given synchronously (refusals of bad lines) come back into pump: the loop
      // below picks their freed slots up, instead of recursing once per line.
      if (pumping) return;
      pumping = true;
      try {
        while ((busy.get(socket) ?? 0) < limits.inFlightPerConnection && waiting.length > 0) {
          busy.set(socket, (busy.get(socket) ?? 0) + 1);
          answerRequest(waiting.shift()!, options.dispatch, (frame) => {
            send(frame);
            busy.set(socket, Math.max(0, (busy.get(socket) ?? 1) - 1));
            pump();
          });
        }
      } finally {
        pumping = false;
      }
      if (socket.destroyed) return;
      const stop = waiting.length > 0;
      if (stop !== paused) {
        paused = stop;
        if (stop) socket.pause();
        else socket.resume();
        watchPartial();
      }
    };
    const lines = new LineSplitter(
      (line) => waiting.push(line),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: string) => {
      listeners.add(socket);
      // Most recently active last: eviction looks from the first.
      sockets.delete(socket);
      sockets.add(socket);
      const before = waiting.length;
      const hadPartial = lines.pending > 0;
      lines.push(chunk);
      // A line ended (or none was started): the partial-line clock starts again.
      if (waiting.length > before || !hadPartial) watchPartial();
      pump();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      waiting.length = 0;
      if (partial) clearTimeout(partial);
      sockets.delete(socket);
      listeners.delete(socket);
      busy.delete(socket);
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
