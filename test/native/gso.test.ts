/**
 * UDP GSO sends and GRO receives through the real kernel (loopback in a
 * throwaway namespace), the fallback when the kernel refuses GSO, sendMany,
 * and batched TUN writes. Counters are checked against what must have happened.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TunStats, UdpStats } from '../../app/native/types.js';
import type { ErrorReport } from './fixtures/fixture-io.js';
import type { Exchange } from './fixtures/gso-fixture.js';
import { TestNamespace } from './helpers/netns.js';
import { ensureNativeTestTools } from './helpers/tools.js';

const EMSGSIZE = 90;

let ns: TestNamespace | undefined;

before(async () => {
  await ensureNativeTestTools();
  ns = await TestNamespace.create('gso');
});

after(async () => {
  await ns?.delete();
});

function fixture<T>(scenario: string): Promise<T> {
  if (!ns) throw new Error('namespace not created');
  return ns.runFixture<T>('gso-fixture', [scenario]);
}

/** Every datagram of the run arrived, intact and in order. */
function assertDelivered(x: Exchange, count: number, what: string): void {
  assert.equal(x.err, 0, `${what}: send result`);
  assert.equal(x.received, count, `${what}: one entry per datagram`);
  assert.equal(x.intact, count, `${what}: bytes intact and in order`);
  assert.equal(x.rx.datagramsReceived, count, `${what}: receiver's count`);
}

test('41 datagrams leave in one GSO sendmsg; a GRO socket gets one buffer, split back into 41', async () => {
  const r = await fixture<{ v4: Exchange; v6: Exchange }>('segments');
  for (const [family, x] of Object.entries(r)) {
    assertDelivered(x, 41, family);
    assert.equal(x.gsoBefore, true, `${family}: kernel has UDP GSO`);
    assert.deepEqual(x.lengths.sort(), [1200, 333], family);
    assert.equal(x.tx.sendSyscalls, 1, `${family}: one syscall`);
    assert.equal(x.tx.gsoSends, 1);
    assert.equal(x.tx.segmentsSent, 41);
    assert.equal(x.tx.datagramsSent, 41);
    // Loopback hands the GSO packet to a GRO socket whole: one buffer, split by the addon.
    assert.equal(x.rx.groCoalesced, 1, `${family}: receiver saw one coalesced buffer`);
    assert.equal(x.rx.recvSyscalls, 1, `${family}: one recvmmsg`);
    assert.deepEqual(x.batches, [41], `${family}: one batch`);
  }
});

test('with GRO off the kernel segments the same GSO packet: 41 datagrams, nothing coalesced', async () => {
  const r = await fixture<{ v4: Exchange; v6: Exchange }>('groOff');
  for (const [family, x] of Object.entries(r)) {
    assertDelivered(x, 41, family);
    assert.equal(x.tx.sendSyscalls, 1, `${family}: still one send syscall`);
    assert.equal(x.rx.groCoalesced, 0, family);
    // 41 buffers, still fewer than one recvmmsg can take.
    assert.ok(x.rx.recvSyscalls <= 2, `${family}: ${x.rx.recvSyscalls} receive syscalls`);
  }
});

test('a run larger than one sendmsg is split at the segment limit (64) and the payload limit', async () => {
  const r = await fixture<{ count: Exchange; bytesV4: Exchange; bytesV6: Exchange }>('split');
  // 1000-byte segments: the 64-segment limit binds; 150 = 64 + 64 + 22.
  assertDelivered(r.count, 150, 'count');
  assert.equal(r.count.tx.gsoSends, 3);
  assert.equal(r.count.tx.sendSyscalls, 3);
  // 1074-byte segments: 60 fit 65 507 bytes (IPv4), 61 fit 65 527 (IPv6).
  assertDelivered(r.bytesV4, 122, 'bytes v4');
  assert.equal(r.bytesV4.tx.gsoSends, 3, 'v4: 60 + 60 + 2');
  assertDelivered(r.bytesV6, 122, 'bytes v6');
  assert.equal(r.bytesV6.tx.gsoSends, 2, 'v6: 61 + 61');
  for (const x of [r.count, r.bytesV4, r.bytesV6]) {
    assert.equal(x.tx.sendSyscalls, x.tx.gsoSends);
    assert.equal(x.tx.gsoFallbacks, 0);
  }
});

test('setGso(false) sends the same run with sendmmsg, 128 datagrams per syscall', async () => {
  const x = await fixture<Exchange>('forcedOff');
  assertDelivered(x, 150, 'forced off');
  assert.equal(x.gsoBefore, false);
  assert.equal(x.gsoAfter, false);
  assert.equal(x.tx.gsoSends, 0);
  assert.equal(x.tx.gsoFallbacks, 0);
  assert.equal(x.tx.sendSyscalls, 2, '128 + 22');
  assert.equal(x.tx.datagramsSent, 150);
});

test('a kernel refusal (segment larger than the path MTU) falls back once; later runs use sendmmsg', async () => {
  const x = await fixture<Exchange>('refused');
  assertDelivered(x, 20, 'refused');
  assert.equal(x.gsoBefore, true);
  assert.equal(x.gsoAfter, false, 'GSO off for good');
  assert.equal(x.tx.gsoFallbacks, 1);
  assert.equal(x.tx.gsoSends, 0);
  // Run 1: the refused sendmsg, then one sendmmsg. Run 2: one sendmmsg.
  assert.equal(x.tx.sendSyscalls, 3);
  assert.equal(x.tx.datagramsSent, 20);
  assert.equal(x.tx.sendErrors, 0);
});

test('bad sendSegments input: EMSGSIZE for an impossible segment (GSO kept), errors for bad arguments', async () => {
  const r = await fixture<{
    tooLargeV4: number;
    gsoAfterTooLarge: boolean;
    empty: ErrorReport | null;
    zeroSegment: ErrorReport | null;
    badAddr: ErrorReport | null;
    stats: UdpStats;
  }>('badSegments');
  assert.equal(r.tooLargeV4, EMSGSIZE);
  assert.equal(r.gsoAfterTooLarge, true, 'a caller mistake is not a GSO refusal');
  assert.equal(r.stats.gsoFallbacks, 0);
  assert.equal(r.stats.sendErrors, 1);
  assert.equal(r.stats.sendSyscalls, 0, 'refused before any syscall');
  assert.equal(r.empty?.name, 'RangeError');
  assert.equal(r.zeroSegment?.name, 'RangeError');
  assert.match(r.zeroSegment?.message ?? '', /segmentSize/);
  assert.equal(r.badAddr?.name, 'RangeError');
});

test('GSO packets of 128 segments from a foreign sender: 5120 datagrams in one batch, all intact', async () => {
  const r = await fixture<{ received: number; intact: number; batches: number[]; rx: UdpStats }>(
    'foreignGso',
  );
  assert.equal(r.received, 5120);
  assert.equal(r.intact, 5120);
  // 40 buffers of 128 datagrams in one recvmmsg; a batch has 8192 entries.
  assert.equal(r.rx.groCoalesced, 40);
  assert.deepEqual(r.batches, [5120]);
  assert.equal(r.rx.recvSyscalls, 1);
});

test('sendMany: one sendmmsg per same-socket run, a refused datagram dropped, bad batches refused whole', async () => {
  const r = await fixture<{
    sent: number;
    v4: { received: number; intact: number };
    v6: { received: number; intact: number };
    stats: UdpStats;
    refusals: Record<string, ErrorReport | null>;
    statsAfterRefusals: UdpStats;
  }>('sendMany');
  assert.equal(r.sent, 100);
  assert.deepEqual(r.v4, { received: 70, intact: 70 });
  assert.deepEqual(r.v6, { received: 30, intact: 30 });
  assert.equal(r.stats.datagramsSent, 100);
  assert.equal(r.stats.sendErrors, 1, 'the 70 000-byte datagram');
  // One chunk of 128: v4 ×30, v6 ×30, v4 ×20, the refused one, v4 ×20.
  assert.equal(r.stats.sendSyscalls, 5);
  assert.equal(r.refusals.outside?.name, 'RangeError');
  assert.equal(r.refusals.family?.name, 'RangeError');
  assert.equal(r.refusals.port?.name, 'RangeError');
  assert.equal(r.refusals.count?.name, 'RangeError');
  assert.equal(r.refusals.ports?.name, 'TypeError');
  assert.deepEqual(r.statsAfterRefusals, r.stats, 'nothing sent by a refused batch');
});

test('writeBatch puts 100 packets on the TUN in one call; a bad range is refused whole', async () => {
  const r = await fixture<{
    written: number;
    received: number;
    intact: number;
    stats: TunStats;
    outside: ErrorReport | null;
  }>('tun-batch');
  assert.equal(r.written, 100);
  assert.equal(r.received, 100);
  assert.equal(r.intact, 100);
  assert.equal(r.stats.packetsWritten, 100);
  assert.equal(r.stats.writeSyscalls, 100, 'one write() per packet, for the second batch none');
  assert.equal(r.stats.writeErrors, 0);
  assert.equal(r.outside?.name, 'RangeError');
  assert.match(r.outside?.message ?? '', /outside data/);
});
