// The web harness's WebSocket endpoint: the page's own origin with the run's access token
// gets the IPC schema; a missing or wrong token, other origins and rebound host names are
// refused at the handshake; bad frames get errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import type { TunnelState } from '../../../ipc/schema.js';
import { createDispatcher, type Handlers } from '../../../ipc/server.js';
import {
  IPC_PATH,
  MAX_CLIENTS,
  newAccessToken,
  presentsToken,
  startIpcSocket,
  type IpcSocketServer,
} from '../../../app/web/ipc-socket.js';

const TOKEN = newAccessToken();

const state: TunnelState = { status: 'disconnected', profileId: null };
// Only what these tests call; the dispatcher refuses anything else as unknown.
const handlers: Pick<Handlers, 'getState'> = { getState: () => state };

let server: IpcSocketServer;
before(async () => {
  server = await startIpcSocket({ port: 0, token: TOKEN, dispatch: createDispatcher(handlers) });
});
after(async () => {
  await server.close();
});

function open(headers: Record<string, string>, token: string | null = TOKEN): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${IPC_PATH}${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const next = (ws: WebSocket) =>
  new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));

test('the harness page’s origin gets answers and events', async () => {
  const ws = await open({ Origin: server.origin });
  try {
    ws.send(JSON.stringify({ id: 7, command: 'getState', payload: {} }));
    assert.deepEqual(await next(ws), { id: 7, envelope: { ok: true, value: state } });
    const event = next(ws);
    server.broadcast('state', { status: 'signed-out' });
    assert.deepEqual(await event, { event: 'state', payload: { status: 'signed-out' } });
    ws.send('{"id":1}');
    assert.deepEqual(await next(ws), {
      id: 0,
      envelope: { ok: false, error: { code: 'invalid-request', message: 'bad frame' } },
    });
  } finally {
    ws.close();
  }
});

test('other origins and DNS-rebound host names are refused at the handshake', async () => {
  await assert.rejects(open({ Origin: 'https://evil.example' }), /HTTP 401/);
  await assert.rejects(open({}), /HTTP 401/);
  await assert.rejects(
    open({ Origin: server.origin, Host: `rebind.evil.example:${server.port}` }),
    /HTTP 401/,
  );
});

test("without the run's access token nothing gets in, whatever the headers", async () => {
  const headers = { Origin: server.origin, Host: `127.0.0.1:${server.port}` };
  await assert.rejects(open(headers, null), /HTTP 401/);
  await assert.rejects(open(headers, ''), /HTTP 401/);
  await assert.rejects(open(headers, newAccessToken()), /HTTP 401/);
  await assert.rejects(open(headers, TOKEN.slice(0, -1)), /HTTP 401/);
  await assert.rejects(open(headers, `${TOKEN}x`), /HTTP 401/);
  (await open(headers)).close();
});

test('token check: exact match only, any URL shape', () => {
  assert.equal(presentsToken(`/ipc?token=${TOKEN}`, TOKEN), true);
  assert.equal(presentsToken(`/ipc?x=1&token=${TOKEN}`, TOKEN), true);
  assert.equal(presentsToken('/ipc', TOKEN), false);
  assert.equal(presentsToken(undefined, TOKEN), false);
  assert.equal(presentsToken('/ipc?token=', TOKEN), false);
  assert.equal(presentsToken(`//[::1/ipc?token=${TOKEN}`, TOKEN), false);
  assert.notEqual(newAccessToken(), newAccessToken());
  assert.match(newAccessToken(), /^[A-Za-z0-9_-]{43}$/);
});

test(`at most ${MAX_CLIENTS} connections at once`, async () => {
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < MAX_CLIENTS; i++) sockets.push(await open({ Origin: server.origin }));
    await assert.rejects(open({ Origin: server.origin }), /HTTP 401/);
  } finally {
    for (const ws of sockets) ws.close();
  }
});
