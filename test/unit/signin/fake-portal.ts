// A stand-in for the portal's API on node:http, for unit tests of status
// mapping and polling. The product only speaks https; tests reach this server
// through an injected fetch that rewrites the https:// base it was given to
// the plain-http listener (the real TLS path is the integration test's job).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '../../../app/signin/http.js';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export type Route = (req: RecordedRequest) => { status: number; body?: unknown } | 'hang';

export interface FakePortal {
  /** The https base URL to configure the client with. */
  api: string;
  fetch: FetchLike;
  requests: RecordedRequest[];
  route: Route;
  close(): Promise<void>;
}

export const FAKE_ORIGIN = 'https://portal.test';

export async function startFakePortal(route: Route): Promise<FakePortal> {
  const requests: RecordedRequest[] = [];
  const portal: Partial<FakePortal> = { requests, route };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(recorded);
      const answer = portal.route!(recorded);
      if (answer === 'hang') return;
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, body ? { 'content-type': 'application/json' } : {});
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  portal.api = `${FAKE_ORIGIN}/api/v1`;
  portal.fetch = (input, init) =>
    fetch(String(input).replace(FAKE_ORIGIN, `http://127.0.0.1:${port}`), init);
  portal.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return portal as FakePortal;
}
