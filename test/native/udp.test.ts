/**
 * The addon's UDP sockets inside a throwaway network namespace: batched
 * receive over IPv4, IPv6 and IPv4-mapped addresses, port handling, SO_MARK,
 * and send failures reported as errno values (including EAGAIN drops).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNamespace } from './helpers/netns.js';
import { fixtureLinksInHost } from './helpers/host-check.js';

interface Phase {
  sendResults: number[];
  received: number;
  intact: number;
  distinct: number;
  batchSizes: number[];
  families: number[];
  senders: string[];
}

let ns: TestNamespace | undefined;

before(async () => {
  ns = await TestNamespace.create('udp');
});

after(async () => {
  await ns?.delete();
  assert.deepEqual(fixtureLinksInHost(), [], 'fixture links leaked into the host namespace');
});

function fixture<T>(scenario: string): Promise<T> {
  if (!ns) throw new Error('namespace not created');
  return ns.runFixture<T>('udp-fixture', [scenario]);
}

test('200 datagrams per family arrive intact, in batches, with sender address and port', async () => {
  const r = await fixture<{
    senderPort: number;
    receiverPort: number;
    ipv6: boolean[];
    phases: Record<'v4' | 'v6' | 'mapped', Phase>;
    distinctBatchObjects: number;
  }>('batch');
  assert.deepEqual(r.ipv6, [true, true]);
  const expected = {
    v4: { family: 4, sender: `127.0.0.1 ${r.senderPort}` },
    v6: { family: 6, sender: `::1 ${r.senderPort}` },
    // ::ffff:127.0.0.1 goes out on the IPv4 socket.
    mapped: { family: 4, sender: `127.0.0.1 ${r.senderPort}` },
  };
  for (const [name, want] of Object.entries(expected)) {
    const phase = r.phases[name as keyof typeof expected];
    assert.deepEqual(phase.sendResults, [0], `${name}: every send returned 0`);
    assert.equal(phase.received, 200, name);
    assert.equal(phase.intact, 200, `${name}: contents intact`);
    assert.equal(phase.distinct, 200, `${name}: no duplicates`);
    assert.ok(
      phase.batchSizes.length < 200 / 4,
      `${name}: ${phase.batchSizes.length} batches for 200 datagrams`,
    );
    assert.ok(Math.max(...phase.batchSizes) <= 128);
    assert.deepEqual(phase.families, [want.family], name);
    assert.deepEqual(phase.senders, [want.sender], name);
  }
  assert.equal(r.distinctBatchObjects, 1, 'one batch object, reused');
});

test('a requested port serves both families; a taken port is refused with EADDRINUSE', async () => {
  const r = await fixture<{
    requested: number;
    got: number;
    ipv6: boolean;
    taken: { name: string; message: string; code: string; errno: number } | null;
    received: { index: number; family: number }[];
    sendAfterClose: number;
  }>('ports');
  assert.equal(r.got, r.requested);
  assert.equal(r.ipv6, true);
  assert.deepEqual(r.taken, {
    name: 'Error',
    message: 'openUdp: Address already in use',
    code: 'EADDRINUSE',
    errno: 98,
  });
  assert.deepEqual(r.received.map((d) => [d.index, d.family]).sort(), [
    [1, 4],
    [2, 6],
  ]);
  assert.equal(r.sendAfterClose, 9, 'send after close returns EBADF');
});

test('fwmark sets SO_MARK: marked traffic follows the fwmark rule', async () => {
  const r = await fixture<{ plain: number; marked: number }>('mark');
  assert.equal(r.plain, 0);
  assert.equal(r.marked, 113, 'EHOSTUNREACH from the unreachable route in the marked table');
});

test('send failures are returned, never thrown: EAGAIN on a full buffer, EMSGSIZE, ENETUNREACH', async () => {
  const r = await fixture<{
    attempts: number;
    results: Record<string, number>;
    oversized: number;
    noIpv6Route: number;
  }>('drop');
  assert.equal(r.results['11'], 1, `EAGAIN once the send buffer filled (${JSON.stringify(r)})`);
  assert.ok((r.results['0'] ?? 0) > 0, 'earlier sends succeeded');
  assert.equal(r.oversized, 90, 'EMSGSIZE');
  assert.equal(r.noIpv6Route, 101, 'ENETUNREACH');
});
