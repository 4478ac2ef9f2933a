// The Wintun data path above the DLL (native/src/ring): batching received
// packets into the TUN arena, a full send ring (bounded wait, then a counted
// drop) and recovery from an adapter an earlier run left behind. The same C++
// runs on Windows over the real Wintun session; here it runs over scripted
// fakes through the addon's test-only `ringTesting` export.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { loadAddon, wintunDllPath } from '../../../app/native/addon.js';

const ringTesting = loadAddon().ringTesting!;

test('drain: packets become batches of at most max, in order, every one released', () => {
  const packets = Array.from({ length: 150 }, (_, i) => 40 + i);
  const r = ringTesting.drain({ packets, max: 64, slotSize: 2048 });
  assert.deepEqual(
    r.batches.map((b) => b.lengths.length),
    [64, 64, 22],
  );
  assert.deepEqual(
    r.batches.map((b) => b.stop),
    ['ok', 'ok', 'empty'],
  );
  assert.deepEqual(
    r.batches.flatMap((b) => b.lengths),
    packets,
  );
  // Packet i was filled with byte i+1 (mod 256): order and slot placement kept.
  assert.deepEqual(
    r.batches.flatMap((b) => b.marks),
    packets.map((_, i) => (i + 1) % 256),
  );
  assert.ok(r.batches.every((b) => b.intact));
  assert.equal(r.received, 150);
  assert.equal(r.unreleased, 0);
  assert.equal(r.left, 0);
});

test('drain: an empty ring gives an empty batch that says empty', () => {
  const r = ringTesting.drain({ packets: [] });
  assert.deepEqual(r.batches, [{ lengths: [], marks: [], intact: true, stop: 'empty' }]);
});

test('drain: a packet longer than a slot is released and counted, never copied', () => {
  const r = ringTesting.drain({ packets: [100, 5000, 200], max: 8, slotSize: 1500 });
  assert.deepEqual(r.batches[0]!.lengths, [100, 200]);
  assert.deepEqual(r.batches[0]!.marks, [1, 3]);
  assert.equal(r.oversize, 1);
  assert.equal(r.received, 2);
  assert.equal(r.unreleased, 0);
});

test('drain: a closing adapter stops the batch with what was already taken', () => {
  const r = ringTesting.drain({ packets: [60, 61, 62], max: 64, end: 'closed' });
  assert.equal(r.batches.length, 1);
  assert.deepEqual(r.batches[0]!.lengths, [60, 61, 62]);
  assert.equal(r.batches[0]!.stop, 'closed');
  assert.equal(ringTesting.drain({ packets: [], end: 'error' }).batches[0]!.stop, 'error');
});

test('send: room at once sends with one allocation and no yield', () => {
  const r = ringTesting.send({ fullFor: [0, 0, 0], length: 1420 });
  assert.deepEqual(r.statuses, ['ok', 'ok', 'ok']);
  assert.equal(r.allocates, 3);
  assert.equal(r.yields, 0);
  assert.equal(r.delivered, 3);
  assert.ok(r.intact);
  assert.equal(r.waits, 0);
});

test('send: a briefly full ring is waited out, spinning first and then yielding', () => {
  // Full for 5 tries: 4 spins absorb 4 of them, then 1 yield before room appears.
  const r = ringTesting.send({ fullFor: [5], spins: 4, yields: 8 });
  assert.deepEqual(r.statuses, ['ok']);
  assert.equal(r.allocates, 6);
  assert.equal(r.yields, 1);
  assert.equal(r.waits, 1);
  assert.equal(r.drops, 0);
});

test('send: a ring that stays full is given a bounded budget, then the packet is dropped and counted', () => {
  const r = ringTesting.send({ fullFor: [1000, 0], spins: 4, yields: 8 });
  assert.deepEqual(r.statuses, ['full', 'ok']);
  // 1 try + 4 spins + 8 yields for the first packet, 1 for the second.
  assert.equal(r.allocates, 1 + 4 + 8 + 1);
  assert.equal(r.yields, 8);
  assert.equal(r.drops, 1);
  assert.equal(r.sent, 1);
  assert.equal(r.delivered, 1);
});

test('send: a closing adapter fails at once, without waiting and without a full-drop count', () => {
  const r = ringTesting.send({ fullFor: [3], failure: 'closed', spins: 4, yields: 8 });
  assert.deepEqual(r.statuses, ['closed']);
  assert.equal(r.allocates, 1);
  assert.equal(r.yields, 0);
  assert.equal(r.drops, 0);
});

test('adapter: created directly when nothing is left over', () => {
  const r = ringTesting.adapter({ create: ['ok'], open: [] });
  assert.equal(r.status, 'ok');
  assert.equal(r.via, 'created');
  assert.deepEqual(r.calls, ['create:1']);
  assert.deepEqual(r.live, [r.handle]);
});

test('adapter: ERROR_ALREADY_EXISTS removes the stale adapter and creates it again', () => {
  const r = ringTesting.adapter({ create: ['exists', 'ok'], open: ['ok'] });
  assert.equal(r.status, 'ok');
  assert.equal(r.via, 'recreated');
  assert.deepEqual(r.calls, ['create:exists', 'open:1', 'close:1', 'sleep:50', 'create:2']);
  // Only the returned handle is left open.
  assert.deepEqual(r.live, [2]);
  assert.equal(r.handle, 2);
});

test('adapter: a stale adapter that cannot be removed is opened and reused', () => {
  const r = ringTesting.adapter({ create: ['exists'], open: ['ok'], maxRecreates: 2 });
  assert.equal(r.status, 'ok');
  assert.equal(r.via, 'reused');
  assert.deepEqual(r.calls, [
    'create:exists',
    'open:1',
    'close:1',
    'sleep:50',
    'create:exists',
    'open:2',
    'close:2',
    'sleep:100',
    'create:exists',
    'open:3',
  ]);
  assert.deepEqual(r.live, [3]);
});

test('adapter: exists but cannot be opened either is a failure with nothing left open', () => {
  const r = ringTesting.adapter({ create: ['exists'], open: ['notfound'], maxRecreates: 1 });
  assert.equal(r.status, 'exists');
  assert.equal(r.via, 'none');
  assert.equal(r.handle, 0);
  assert.deepEqual(r.live, []);
  assert.deepEqual(r.calls, [
    'create:exists',
    'open:notfound',
    'sleep:50',
    'create:exists',
    'open:notfound',
  ]);
});

test('adapter: any other create failure is reported as is, without retries', () => {
  const r = ringTesting.adapter({ create: ['error'], open: ['ok'] });
  assert.equal(r.status, 'error');
  assert.deepEqual(r.calls, ['create:error']);
  assert.deepEqual(r.live, []);
});

test('bad scenarios are refused with a TypeError', () => {
  assert.throws(() => ringTesting.drain({ packets: 'x' as unknown as number[] }), TypeError);
  assert.throws(() => ringTesting.drain({ packets: [], max: 0 }), TypeError);
  assert.throws(() => ringTesting.send(null as unknown as { fullFor: number[] }), TypeError);
  assert.throws(() => ringTesting.adapter({ create: [1 as unknown as 'ok'], open: [] }), TypeError);
});

test('wintun.dll path: the packaged resources, a checkout’s staged build, or an absolute override', () => {
  const saved = process.env.SLIPSTREAM_WINTUN_DLL;
  try {
    delete process.env.SLIPSTREAM_WINTUN_DLL;
    assert.equal(
      wintunDllPath(path.join('/opt', 'Slipstream', 'resources', 'app.asar.unpacked'), 'x64'),
      path.join('/opt', 'Slipstream', 'resources', 'wintun', 'wintun.dll'),
    );
    assert.equal(
      wintunDllPath('/src/slipstream', 'arm64'),
      path.join('/src/slipstream', 'build', 'wintun', 'arm64', 'wintun.dll'),
    );
    process.env.SLIPSTREAM_WINTUN_DLL = 'C:\\Wintun\\wintun.dll';
    assert.equal(wintunDllPath('/src/slipstream', 'x64'), 'C:\\Wintun\\wintun.dll');
    // A relative override would let the loader search for it: ignored.
    process.env.SLIPSTREAM_WINTUN_DLL = 'wintun.dll';
    assert.equal(
      wintunDllPath('/src/slipstream', 'x64'),
      path.join('/src/slipstream', 'build', 'wintun', 'x64', 'wintun.dll'),
    );
  } finally {
    if (saved === undefined) delete process.env.SLIPSTREAM_WINTUN_DLL;
    else process.env.SLIPSTREAM_WINTUN_DLL = saved;
  }
});
