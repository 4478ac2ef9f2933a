/**
 * The web harness's IPC endpoint (issue 4 §9): the same schema and wire frames
 * as the helper socket, over a WebSocket on the loopback interface, so the real
 * renderer can run in a browser against the real main-process logic.
 *
 * Three checks guard it. Any local process can connect to a loopback port and
 * forge every header, so the upgrade must carry the harness's per-run access
 * token (random, printed only to whoever started the harness, compared in
 * constant time, never logged). A browser will connect to any local port from
 * any web page, so the Host header must also name the loopback address and
 * port we bound (a DNS-rebinding page sends its own host name), and the Origin
 * must be the harness's own page (a foreign page sends its origin).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, EventOf } from '../../ipc/schema.js';
import type { createDispatcher } from '../../ipc/server.js';
import { answerRequest, MAX_LINE_BYTES } from '../../ipc/wire.js';

export interface IpcSocketOptions {
  port: number;
  /** The access token a client must present as `?token=` on the upgrade request. */
  token: string;
  dispatch: ReturnType<typeof createDispatcher>;
  /** Serves everything that is not the IPC endpoint (the renderer's files). */
  serveStatic?: http.RequestListener;
}

export interface IpcSocketServer {
  readonly port: number;
  readonly origin: string;
  broadcast<E extends EventName>(event: E, payload: EventOf<E>): void;
  close(): Promise<void>;
}

export const IPC_PATH = '/ipc';
/** Connections at once; a page needs one, a few tabs a few more. */
export const MAX_CLIENTS = 8;

/** A fresh access token: 256 random bits, URL-safe. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time check of the upgrade request's `token` query parameter. */
export function presentsToken(requestUrl: string | undefined, token: string): boolean {
  let given: string | null;
  try {
    given = new URL(requestUrl ?? '', 'http://127.0.0.1').searchParams.get('token');
  } catch {
    return false;
  }
  if (given === null) return false;
  // Digests have equal length whatever was sent, so the comparison leaks nothing.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export async function startIpcSocket(options: IpcSocketOptions): Promise<IpcSocketServer> {
  const server = http.createServer(
    options.serveStatic ??
      ((_req, res) => {
        res.writeHead(404).end();
      }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const clients = new Set<WebSocket>();
  const wss = new WebSocketServer({
    server,
    path: IPC_PATH,
    maxPayload: MAX_LINE_BYTES,
    verifyClient: ({ req }: { req: http.IncomingMessage }) =>
      presentsToken(req.url, options.token) &&
      req.headers.host === `127.0.0.1:${port}` &&
      req.headers.origin === origin &&
      clients.size < MAX_CLIENTS,
  });
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data, isBinary) =>
      answerRequest(isBinary ? null : data.toString(), options.dispatch, (frame) =>
        ws.send(JSON.stringify(frame)),
      ),
    );
  });
  return {
    port,
    origin,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const c of clients) c.send(text);
    },
    async close() {
      for (const c of clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
