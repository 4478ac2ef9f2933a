// test-platform: linux-only: the native data path links Debian's libsodium; Windows builds have none
/**
 * The addon's native data path (native/src/fastpath) on a real TUN device and real UDP
 * sockets inside a throwaway namespace: nonce counters never go back when the core
 * republishes keypairs, the device and socket it holds cannot be read twice, and only
 * well-formed handshake messages take room in the queue to JavaScript. The whole path is
 * tested end to end against wireguard-go in test/integration/data-path.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNamespace } from './helpers/netns.js';

let ns: TestNamespace | undefined;

before(async () => {
  ns = await TestNamespace.create('fastpath');
});

after(async () => {
  await ns?.delete();
});

function fixture<T>(scenario: string): Promise<T> {
  if (!ns) throw new Error('namespace not created');
  return ns.runFixture<T>('fast-path-fixture', [scenario]);
}

test('send counters continue across a republished, dropped and reinstated keypair', async () => {
  const r = await fixture<{
    results: Record<string, number[]>;
    seen: number[][];
    peerCounters: number[] | null;
  }>('counters');
  assert.deepEqual(r.results, {
    first: [0, 0, 0],
    republished: [0],
    withoutKeypair: [-1],
    reinstated: [0],
    newKeypair: [0, 0],
  });
  // [receiver index, counter]: keypair 5 (remote 1005) never repeats a counter.
  assert.deepEqual(r.seen, [
    [1005, 0],
    [1005, 1],
    [1005, 2],
    [1005, 3],
    [1005, 4],
    [1009, 0],
    [1009, 1],
  ]);
  // transmit() carries the core's own packets, which the core counts itself.
  assert.deepEqual(r.peerCounters, [0, 0, 0, 0], 'not counted twice');
});

test('a device and socket held by a data path cannot be started or taken again', async () => {
  const r = await fixture<Record<string, { message: string } | null>>('claimed');
  assert.match(r.tunStart?.message ?? '', /TunDevice.start: already started/);
  assert.match(r.udpStart?.message ?? '', /UdpSocket.start: already started/);
  assert.match(r.second?.message ?? '', /openFastPath: .*already read elsewhere/);
});

test('only handshake messages of their exact sizes are handed to JavaScript', async () => {
  const r = await fixture<{ handed: number[]; drops: Record<string, number> }>('declined');
  assert.deepEqual(
    [...r.handed].sort((a, b) => a - b),
    [64, 92, 148],
  );
  assert.equal(r.drops.malformed, 5, JSON.stringify(r.drops));
  assert.equal(r.drops['handshake-queue-full'], 0);
});

test('each data path thread gets a crypto helper only when the process may use several CPUs', async () => {
  const r = await fixture<{ cpus: number; here: number; oneCpu: number }>('threads');
  assert.equal(r.here, r.cpus > 1 ? 4 : 2, `threads added with ${r.cpus} CPUs`);
  assert.equal(r.oneCpu, 2, 'held to one CPU: no helpers');
});
