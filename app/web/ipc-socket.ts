/**
 * The web harness's IPC endpoint (issue 4 §9): the same schema and wire frames
 * as the helper socket, over a WebSocket on the loopback interface, so the real
 * renderer can run in a browser against the real main-process logic.
 *
 * A browser will connect to any local port from any web page, so two checks
 * guard it: the Host header must name the loopback address and port we bound
 * (a DNS-rebinding page would send its own host name), and the Origin must be
 * the harness's own page (a foreign page sends its origin).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, EventOf } from '../../ipc/schema.js';
import type { createDispatcher } from '../../ipc/server.js';
import { answerRequest, MAX_LINE_BYTES } from '../../ipc/wire.js';

export interface IpcSocketOptions {
  port: number;
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
  const wss = new WebSocketServer({
    server,
    path: IPC_PATH,
    maxPayload: MAX_LINE_BYTES,
    verifyClient: ({ req }: { req: http.IncomingMessage }) =>
      req.headers.host === `127.0.0.1:${port}` && req.headers.origin === origin,
  });
  const clients = new Set<WebSocket>();
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
