/**
 * UDP GSO sends and GRO receives through the real kernel (loopback in a
 * throwaway namespace), the fallback when the kernel refuses GSO, and batched
 * TUN writes. Counters are checked against what must have happened.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UdpStats, TunStats } from '../../app/native/types.js';
import { TestNamespace } from './helpers/netns.js';

interface Exchange {
  err: number;
  gsoBefore: boolean;
  gsoAfter: boolean;
  received: number;
  lengths: number[];
  intact: number;
  tx: UdpStats;
  rx: UdpStats;
}

let ns: TestNamespace | undefined;

before(async () => {
  ns = await TestNamespace.create('gso');
});

after(async () => {
  await ns?.delete();
});

function fixture<T>(scenario: string): Promise<T> {
  if (!ns) throw new Error('namespace not created');
  return ns.runFixture<T>('gso-fixture', [scenario]);
}

test('41 datagrams leave in one GSO sendmsg and arrive as 41 intact datagrams (v4 and v6)', async () => {
  const r = await fixture<{ v4: Exchange; v6: Exchange }>('segments');
  for (const [family, x] of Object.entries(r)) {
    assert.equal(x.err, 0, family);
    assert.equal(x.gsoBefore, true, `${family}: kernel has UDP GSO`);
    assert.equal(x.received, 41, `${family}: one entry per datagram`);
    assert.equal(x.intact, 41, `${family}: bytes intact and in order`);
    assert.deepEqual(x.lengths.sort(), [1200, 333], family);
    assert.equal(x.tx.sendSyscalls, 1, `${family}: one syscall`);
    assert.equal(x.tx.gsoSends, 1);
    assert.equal(x.tx.segmentsSent, 41);
    // Loopback hands the GSO packet to a GRO socket whole: one buffer, split by the addon.
    assert.ok(x.rx.groCoalesced >= 1, `${family}: receiver saw a coalesced buffer`);
    assert.ok(x.rx.recvSyscalls < 41, `${family}: ${x.rx.recvSyscalls} receive syscalls`);
    assert.equal(x.rx.datagramsReceived, 41);
  }
});

test('more than a sendmsg can carry is split at the kernel limits (64 segments, 64 KiB)', async () => {
  const x = await fixture<Exchange>('split');
  assert.equal(x.err, 0);
  assert.equal(x.received, 150);
  assert.equal(x.intact, 150);
  // 1000-byte segments: 64 per send fit 64 000 bytes; 150 = 64 + 64 + 22.
  assert.equal(x.tx.gsoSends, 3);
  assert.equal(x.tx.sendSyscalls, 3);
});

test('setGso(false) sends the same run with sendmmsg, 64 datagrams per syscall', async () => {
  const x = await fixture<Exchange>('forcedOff');
  assert.equal(x.err, 0);
  assert.equal(x.gsoBefore, false);
  assert.equal(x.received, 150);
  assert.equal(x.intact, 150);
  assert.equal(x.tx.gsoSends, 0);
  assert.equal(x.tx.gsoFallbacks, 0);
  assert.equal(x.tx.sendSyscalls, 3);
});

test('a kernel refusal (segment larger than the path MTU) falls back once and delivers everything', async () => {
  const x = await fixture<Exchange>('refused');
  assert.equal(x.err, 0);
  assert.equal(x.gsoBefore, true);
  assert.equal(x.gsoAfter, false, 'GSO off for good');
  assert.equal(x.tx.gsoFallbacks, 1);
  assert.equal(x.received, 10, 'fragmented plain sends got through');
  assert.equal(x.intact, 10);
  // The refused sendmsg, then one sendmmsg.
  assert.equal(x.tx.sendSyscalls, 2);
});

test('writeBatch puts 100 packets on the TUN in one call; a bad range is refused whole', async () => {
  const r = await fixture<{
    written: number;
    received: number;
    intact: number;
    stats: TunStats;
    outside: string | null;
  }>('tun-batch');
  assert.equal(r.written, 100);
  assert.equal(r.received, 100);
  assert.equal(r.intact, 100);
  assert.equal(r.stats.packetsWritten, 100);
  assert.equal(r.stats.writeErrors, 0);
  assert.equal(r.outside, 'RangeError');
});
