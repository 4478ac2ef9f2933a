/**
 * Packet I/O through a real TUN device, inside a throwaway network namespace:
 * batched reads, writes delivered to sockets, callback exceptions, closing
 * from every direction (close(), inside the callback, GC, worker teardown).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNamespace } from './helpers/netns.js';
import { fixtureLinksInHost } from './helpers/host-check.js';

interface ErrorReport {
  name: string;
  message: string;
}

let ns: TestNamespace | undefined;

before(async () => {
  ns = await TestNamespace.create('tun');
});

after(async () => {
  await ns?.delete();
  assert.deepEqual(fixtureLinksInHost(), [], 'fixture links leaked into the host namespace');
});

function fixture<T>(scenario: string, nodeArgs: string[] = []): Promise<T> {
  if (!ns) throw new Error('namespace not created');
  return ns.runFixture<T>('tun-io-fixture', [scenario], nodeArgs);
}

test('a ping routed into the TUN is read as ICMP; the crafted reply written back reaches ping', async () => {
  const r = await fixture<{
    requests: number;
    replyWrite: number;
    batches: number;
    pingExit: number;
    pingOutput: string;
  }>('ping');
  assert.equal(r.requests, 1, 'one echo request read from the TUN');
  assert.equal(r.replyWrite, 0, 'write() returned 0');
  assert.equal(r.pingExit, 0, `ping got its reply:\n${r.pingOutput}`);
  assert.match(r.pingOutput, /1 received/);
});

test('a burst of 200 packets arrives in a few batches through one reused batch object', async () => {
  const r = await fixture<{
    total: number;
    sendErrors: number[];
    received: number;
    v4: number;
    v6: number;
    corrupt: number;
    batchSizes: number[];
    distinctBatchObjects: number;
    distinctDataBuffers: number;
    arenaBytes: number;
  }>('burst');
  assert.deepEqual(r.sendErrors, []);
  assert.equal(r.received, r.total);
  assert.deepEqual([r.v4, r.v6], [100, 100]);
  assert.equal(r.corrupt, 0);
  assert.ok(
    r.batchSizes.length < r.total / 4,
    `batched: ${r.batchSizes.length} batches for ${r.total} packets`,
  );
  assert.ok(Math.max(...r.batchSizes) <= 128, 'at most 128 packets per batch');
  assert.equal(r.distinctBatchObjects, 1, 'the batch object is reused');
  assert.equal(r.distinctDataBuffers, 1, 'the arena Buffer is reused');
  assert.equal(r.arenaBytes, 128 * 65535);
});

test('crafted IPv4 and IPv6 UDP packets written into the TUN are delivered to a socket', async () => {
  const r = await fixture<{
    writes: number[];
    received: { payload: string; family: number; from: string; port: number }[];
  }>('inject');
  assert.deepEqual(r.writes, [0, 0]);
  const byPayload = Object.fromEntries(r.received.map((d) => [d.payload, d]));
  assert.deepEqual(byPayload['from-tun-v4'], {
    payload: 'from-tun-v4',
    family: 4,
    from: '10.78.0.5',
    port: 5555,
  });
  assert.deepEqual(byPayload['from-tun-v6'], {
    payload: 'from-tun-v6',
    family: 6,
    from: 'fd780000000000000000000000000005',
    port: 6666,
  });
});

test('an exception in the callback is an uncaughtException, and reading continues', async () => {
  const r = await fixture<{ calls: number; uncaught: string[] }>('throws');
  assert.deepEqual(r.uncaught, ['boom from onPackets']);
  assert.ok(r.calls >= 2, 'batches keep coming after the exception');
});

test('an unhandled callback exception ends the process loudly', async () => {
  if (!ns) throw new Error('namespace not created');
  const r = await ns.runFixtureProcess('tun-io-fixture', ['throws-unhandled']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error: boom from onPackets/);
  assert.doesNotMatch(r.stdout, /survived/);
});

test('lifecycle: double start, close inside the callback, use after close, bad writes, GC', async () => {
  const r = await fixture<{
    doubleStart: ErrorReport | null;
    closedInCallback: { calls: number; linkIndex: number };
    afterClose: { write: number; start: ErrorReport | null; close: ErrorReport | null };
    badWrites: { empty: number; garbage: ErrorReport | null; garbageResult: number };
    collected: number | string;
  }>('lifecycle', ['--expose-gc']);
  assert.deepEqual(r.doubleStart, {
    name: 'Error',
    message: 'TunDevice.start: already started (or read by the native data path)',
  });
  assert.deepEqual(r.closedInCallback, { calls: 1, linkIndex: 0 });
  assert.equal(r.afterClose.write, 9, 'write after close returns EBADF');
  assert.deepEqual(r.afterClose.start, {
    name: 'Error',
    message: 'TunDevice.start: device is closed',
  });
  assert.equal(r.afterClose.close, null, 'close() is idempotent');
  assert.equal(r.badWrites.empty, 22, 'empty packet: EINVAL, not an exception');
  assert.equal(r.badWrites.garbage, null);
  assert.equal(r.badWrites.garbageResult, 22, 'not an IP packet: EINVAL');
  assert.equal(r.collected, 0, 'a garbage-collected device is closed');
});

test('a worker that exits with a started device leaves no device behind', async () => {
  const r = await fixture<{
    info: { name: string; ifindex: number };
    whileRunning: number;
    exitCode: number;
    afterExit: number;
  }>('teardown');
  assert.equal(r.info.name, 'sstworker0');
  assert.equal(r.whileRunning, r.info.ifindex);
  assert.equal(r.afterExit, 0);
});
