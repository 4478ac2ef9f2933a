// The helper's control socket with real users: the user it serves gets answers, any other
// local user is refused by the kernel, the GUI refuses a socket not owned by root, and
// garbage on the wire gets errors instead of crashes.
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createClient } from '../../ipc/client.js';
import type { TunnelState } from '../../ipc/schema.js';
import { createDispatcher, type Handlers } from '../../ipc/server.js';
import { startControlServer, type ControlServer } from '../../app/helper/control-server.js';
import { connectHelper, HelperUnavailable } from '../../app/main/helper-transport.js';
import { linkToHelper } from '../../app/main/helper-link.js';
import { backoffDelays } from '../../app/main/backoff.js';
import { requireRoot } from '../harness/index.js';
import { runAsUser } from '../harness/as-user.js';

const CLIENT = fileURLToPath(new URL('./fixtures/helper-client.js', import.meta.url));
const SERVED = 65534; // nobody: the desktop user in this test
const STRANGER = 65533;

const state: TunnelState = { status: 'disconnected', profileId: null };
// Only what these tests call; the dispatcher refuses anything else as unknown.
const handlers: Pick<Handlers, 'getState'> = { getState: () => state };

/** Runs the client fixture as `uid` (asynchronously: the server lives in this process). */
async function runAs(
  uid: number,
  socketPath: string,
): Promise<{ ok: boolean; state?: unknown; message?: string }> {
  const { stdout, stderr } = await runAsUser(uid, uid, CLIENT, [socketPath, '0']);
  const last = stdout.trim().split('\n').pop();
  assert.ok(last, `the client printed nothing; stderr: ${stderr.slice(0, 500)}`);
  return JSON.parse(last) as { ok: boolean };
}

describe('the helper control socket', () => {
  let base: string;
  let socketPath: string;
  let server: ControlServer;

  before(async () => {
    requireRoot();
    base = await mkdtemp(path.join(tmpdir(), 'ss-helper-'));
    await chmod(base, 0o755); // traversable, as /run is
    socketPath = path.join(base, 'slipstream', 'control.sock');
    server = await startControlServer({
      socketPath,
      uid: SERVED,
      gid: SERVED,
      dispatch: createDispatcher(handlers),
    });
  });
  after(async () => {
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  test('the served user gets answers; another local user is refused at connect()', async () => {
    assert.deepEqual(await runAs(SERVED, socketPath), { ok: true, state });
    const stranger = await runAs(STRANGER, socketPath);
    assert.equal(stranger.ok, false);
    assert.match(stranger.message ?? '', /not allowed to talk to the Slipstream service/);
  });

  test('commands and events over the socket, with the typed client', async () => {
    const transport = await connectHelper(socketPath);
    const ipc = createClient(transport);
    try {
      assert.deepEqual(await ipc.getState({}), state);
      const seen: TunnelState[] = [];
      ipc.on('state', (s) => seen.push(s));
      await new Promise((r) => setTimeout(r, 50));
      server.broadcast('state', { status: 'connecting', profileId: 'p1', sinceMs: 0 });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(seen, [{ status: 'connecting', profileId: 'p1', sinceMs: 0 }]);
    } finally {
      transport.close();
    }
  });

  test('garbage gets error replies; an endless line gets the connection closed', async () => {
    const s = net.createConnection(socketPath);
    s.setEncoding('utf8');
    let received = '';
    s.on('data', (d: string) => (received += d));
    s.on('error', () => {}); // the reset after the endless line
    await new Promise((r) => s.once('connect', r));
    s.write('not json\n{"id":"x"}\n{"id":1,"command":"nope","payload":{}}\n');
    await new Promise((r) => setTimeout(r, 200));
    const replies = received
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { envelope: { ok: boolean; error?: { code: string } } });
    assert.deepEqual(
      replies.map((r) => r.envelope.error?.code),
      ['invalid-request', 'invalid-request', 'unknown-command'],
    );
    const closed = new Promise((r) => s.once('close', r));
    s.write('x'.repeat(3 * 1024 * 1024));
    await closed;
    // And the server still serves others.
    const transport = await connectHelper(socketPath);
    assert.deepEqual(await createClient(transport).getState({}), state);
    transport.close();
  });

  test('the GUI refuses a socket in a directory a normal user could have made', async () => {
    const fake = path.join(base, 'fake');
    await mkdir(fake);
    await chown(fake, SERVED, SERVED);
    await assert.rejects(connectHelper(path.join(fake, 'control.sock')), HelperUnavailable);
    await assert.rejects(connectHelper(path.join(base, 'missing', 'control.sock')), /not running/);
  });

  test('the GUI link survives a helper restart: commands fail fast while it is down, then work again', async () => {
    const statuses: boolean[] = [];
    const link = linkToHelper(socketPath, {
      initialMs: 20,
      maxMs: 200,
      onStatus: (up) => statuses.push(up),
    });
    const ipc = createClient(link);
    const seen: TunnelState[] = [];
    ipc.on('state', (s) => seen.push(s));
    try {
      const until = async (cond: () => boolean) => {
        for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(cond());
      };
      await until(() => link.connected);
      assert.deepEqual(await ipc.getState({}), state);
      await server.close();
      await until(() => !link.connected);
      await assert.rejects(ipc.getState({}), /not connected to the Slipstream service/);
      server = await startControlServer({
        socketPath,
        uid: SERVED,
        gid: SERVED,
        dispatch: createDispatcher(handlers),
      });
      await until(() => link.connected);
      assert.deepEqual(await ipc.getState({}), state);
      await until(() => server.clients > 0);
      server.broadcast('state', { status: 'signed-out' });
      await until(() => seen.length > 0);
      assert.deepEqual(seen, [{ status: 'signed-out' }], 'events resubscribed after the reconnect');
      assert.deepEqual(statuses.slice(0, 2), [true, false]);
      assert.equal(statuses.at(-1), true);
    } finally {
      link.close();
    }
  });
});

test('reconnect delays grow exponentially with jitter, up to the cap', () => {
  const low = backoffDelays({ initialMs: 100, maxMs: 5000, random: () => 0 });
  const high = backoffDelays({ initialMs: 100, maxMs: 5000, random: () => 0.999999 });
  assert.deepEqual([0, 1, 2, 3, 10].map(low), [50, 50, 50, 50, 50]);
  assert.deepEqual([0, 1, 2, 3, 10].map(high), [100, 200, 400, 800, 5000]);
});
