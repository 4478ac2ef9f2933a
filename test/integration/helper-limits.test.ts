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
    await assertAnswers(socketPath);
  });

  test('20 000 garbage lines in one write: refusals (or a dropped client), never a crash', async () => {
    const s = await connect(socketPath);
    s.setEncoding('utf8');
    s.on('error', () => {});
    let refusals = 0;
    // Counted by whole lines: an answer can be split across two reads, and a match
    // counted per chunk then misses the one that straddles (a flaky 19 999).
    let tail = '';
    s.on('data', (d: string) => {
      const lines = (tail + d).split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) if (line.includes('not JSON')) refusals++;
    });
    s.write('x\n'.repeat(20_000));
    await waitFor(async () => refusals === 20_000 || s.destroyed, {
      timeoutMs: 15_000,
      what: 'all refusals',
    });
    assert.equal(refusals, 20_000, 'each line refused (1.8 MB of answers is within the limit)');
    s.destroy();
    assert.equal(helper.exitCode, null, 'the helper is still running');
    await assertAnswers(socketPath);
  });
});

async function assertAnswers(socketPath: string): Promise<void> {
  {
    const s = await connect(socketPath);
    s.setEncoding('utf8');
    const answer = new Promise<string>((resolve) => s.once('data', (d: string) => resolve(d)));
    s.write('{"id":1,"command":"getState","payload":{}}\n');
    assert.match(await answer, /"id":1,"envelope":\{"ok":true/);
    s.destroy();
  }
}

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

  test('a client finishing lines steadily is never dropped, whatever its partial lines', async () => {
    const s = await connect(socketPath);
    s.setEncoding('utf8');
    let answers = 0;
    s.on('data', (d: string) => (answers += d.split('\n').length - 1));
    // Each write ends one line and starts the next: a partial line is always waiting, for
    // far longer in all than the 300 ms limit, but none for longer than 100 ms.
    s.write('{"id":0,"command":"getSt');
    for (let i = 1; i <= 12; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s.write(`ate","payload":{}}\n{"id":${i},"command":"getSt`);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.destroyed, false, 'still connected');
    assert.equal(answers, 12);
    s.destroy();
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
    // As many run as the limit allows; the other lines wait, and the socket is not read.
    assert.equal(started, CONTROL_LIMITS.inFlightPerConnection);
    s.destroy();
  });

  test('a connection waiting for an answer is never the one that makes room', async () => {
    const waiting = await connect(socketPath);
    waiting.on('error', () => {});
    // Held by the gate until the suite ends: this connection has a request in flight.
    waiting.write('{"id":1,"command":"disconnect","payload":{}}\n');
    await new Promise((r) => setTimeout(r, 100));
    const others: net.Socket[] = [];
    for (let i = 0; i < CONTROL_LIMITS.connections + 3; i++) {
      const s = await connect(socketPath);
      s.on('error', () => {});
      others.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(waiting.destroyed, false, 'the busy connection stayed');
    for (const s of others) s.destroy();
    waiting.destroy();
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
