// The helper trusts its served user with commands, not with its memory: connections are
// capped, a started line must be finished soon, requests in flight are bounded, a client
// that never reads is dropped. Checked on the real helper process (its RSS from /proc)
// and, for the timing rules, on the control server in this process with short limits.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDispatcher } from '../../ipc/server.js';
import {
  CONTROL_LIMITS,
  startControlServer,
  type ControlServer,
} from '../../app/helper/control-server.js';
import { cleanupAll, makeTempDir, requireRoot, waitFor } from '../harness/index.js';
import { HELPER_MAIN } from '../harness/web-app.js';

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socketPath, () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: net.Socket) =>
  new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('the real helper under a served user who floods it', () => {
  let helper: ChildProcess;
  let socketPath: string;

  before(async () => {
    requireRoot();
    const dir = makeTempDir('ss-limits-');
    socketPath = path.join(dir.path, 'run', 'helper.sock');
    helper = spawn(
      process.execPath,
      [
        HELPER_MAIN,
        ...['--socket', socketPath, '--uid', '0', '--gid', '0'],
        ...['--state-dir', path.join(dir.path, 'state'), '--log-dir', path.join(dir.path, 'log')],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await waitFor(async () => existsSync(socketPath), { timeoutMs: 15_000, what: 'helper socket' });
  });
  after(async () => {
    helper?.kill('SIGTERM');
    await cleanupAll();
  });

  test('300 connections each parking 1.9 MB without a newline: memory stays bounded', async () => {
    const base = rssMiB(helper.pid!);
    const chunk = 'x'.repeat(1.9 * 1024 * 1024);
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 300; i++) {
      const s = await connect(socketPath).catch(() => null);
      if (!s) continue;
      s.on('error', () => {});
      s.write(chunk);
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const peak = rssMiB(helper.pid!);
    const open = sockets.filter((s) => !s.destroyed).length;
    for (const s of sockets) s.destroy();
    assert.ok(open <= CONTROL_LIMITS.connections, `${open} connections still open`);
    // Before the limits, this took the helper from ~90 MB to ~660 MB and kept it there.
    assert.ok(peak - base < 150, `helper grew from ${base.toFixed(0)} to ${peak.toFixed(0)} MiB`);
    console.log(`helper RSS ${base.toFixed(0)} MiB -> ${peak.toFixed(0)} MiB under the flood`);
    // And it still answers.
    const s = await connect(socketPath);
    s.setEncoding('utf8');
    const answer = new Promise<string>((resolve) => s.once('data', (d: string) => resolve(d)));
    s.write('{"id":1,"command":"getState","payload":{}}\n');
    assert.match(await answer, /"id":1,"envelope":\{"ok":true/);
    s.destroy();
  });
});

describe('the control server’s timing rules', () => {
  let server: ControlServer;
  let socketPath: string;
  const saved = { ...CONTROL_LIMITS };
  let release: () => void = () => {};

  before(async () => {
    requireRoot();
    CONTROL_LIMITS.partialLineMs = 300;
    CONTROL_LIMITS.inFlightPerConnection = 4;
    CONTROL_LIMITS.unreadBytes = 64 * 1024;
    const dir = makeTempDir('ss-limits-');
    socketPath = path.join(dir.path, 'run', 'control.sock');
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    server = await startControlServer({
      socketPath,
      uid: 0,
      gid: 0,
      dispatch: createDispatcher({
        getState: () => ({ status: 'disconnected', profileId: null }),
        // Held until released: requests in flight pile up.
        disconnect: async () => {
          started++;
          await gate;
          return {};
        },
      }),
    });
    Object.defineProperty(globalThis, '__startedDisconnects', { get: () => started });
  });
  after(async () => {
    Object.assign(CONTROL_LIMITS, saved);
    release();
    await server?.close();
    await cleanupAll();
  });

  test('a line left unfinished is dropped after the partial-line time', async () => {
    const s = await connect(socketPath);
    s.on('error', () => {});
    s.write('{"id":1,"command":"getSt');
    const t0 = Date.now();
    await closed(s);
    const waited = Date.now() - t0;
    assert.ok(waited >= 250 && waited < 5000, `closed after ${waited} ms`);
  });

  test('a quiet GUI connection is not dropped for being quiet', async () => {
    const s = await connect(socketPath);
    s.setEncoding('utf8');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(s.destroyed, false);
    const answer = new Promise<string>((resolve) => s.once('data', (d: string) => resolve(d)));
    s.write('{"id":2,"command":"getState","payload":{}}\n');
    assert.match(await answer, /"id":2/);
    s.destroy();
  });

  test('requests in flight per connection are bounded: the rest wait, unread', async () => {
    const s = await connect(socketPath);
    s.on('error', () => {});
    const lines = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ id: i + 1, command: 'disconnect', payload: {} }),
    ).join('\n');
    s.write(`${lines}\n`);
    await new Promise((r) => setTimeout(r, 300));
    const started = (globalThis as unknown as { __startedDisconnects: number })
      .__startedDisconnects;
    // Four run; the other 46 lines wait, and the socket is not read meanwhile.
    assert.equal(started, CONTROL_LIMITS.inFlightPerConnection);
    s.destroy();
  });

  test('the oldest quiet connection makes room for a new one beyond the cap', async () => {
    const sockets: net.Socket[] = [];
    for (let i = 0; i < CONTROL_LIMITS.connections; i++) sockets.push(await connect(socketPath));
    for (const s of sockets) s.on('error', () => {});
    const newest = await connect(socketPath);
    await closed(sockets[0]!);
    assert.equal(sockets[0]!.destroyed, true, 'the quietest went');
    assert.equal(newest.destroyed, false, 'the newcomer got in');
    assert.ok(server.clients <= CONTROL_LIMITS.connections);
    for (const s of [...sockets, newest]) s.destroy();
  });

  test('a client that never reads its answers is dropped once they pile up', async () => {
    const s = await connect(socketPath);
    s.on('error', () => {});
    s.pause();
    const asks = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ id: i + 1, command: 'getState', payload: {} }),
    );
    // Written in pieces so reading goes on; the answers are never read.
    for (let i = 0; i < asks.length && !s.destroyed; i += 100) {
      s.write(`${asks.slice(i, i + 100).join('\n')}\n`);
      server.broadcast('state', { status: 'disconnected', profileId: 'x'.repeat(60) });
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.race([closed(s), new Promise((r) => setTimeout(r, 5000))]);
    assert.equal(s.destroyed, true, 'dropped');
  });
});
