// The data path's deferred copies (app/tunnel/copy-queue.ts) and the addon's copyRanges
// they end in: same bytes as TypedArray.set, into and out of SharedArrayBuffers, nothing
// copied before a flush, and a bad range refused before any byte moves.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { loadAddon } from '../../../app/native/addon.js';
import { CopyQueue, copyRangesInJs, type CopyRanges } from '../../../app/tunnel/copy-queue.js';

const native: CopyRanges = loadAddon().copyRanges;

function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

test('copyRanges moves the same bytes as TypedArray.set, shared or not, at any offsets', () => {
  for (const [dstShared, srcShared] of [
    [true, false],
    [false, true],
    [true, true],
    [false, false],
  ]) {
    const src = (srcShared ? sharedBytes(4096) : new Uint8Array(4096)).subarray(3);
    src.set(randomBytes(src.length));
    const dstNative = (dstShared ? sharedBytes(8192) : new Uint8Array(8192)).subarray(5);
    const dstJs = new Uint8Array(dstNative.length);
    const ranges = new Uint32Array(3 * 40);
    let to = 0;
    for (let i = 0; i < 40; i++) {
      const length = i === 0 ? 0 : 1 + ((i * 97) % 180);
      ranges.set([to, (i * 61) % (src.length - length), length], 3 * i);
      to += length + (i % 3);
    }
    native(dstNative, src, ranges, 40);
    copyRangesInJs(dstJs, src, ranges, 40);
    assert.deepEqual(Array.from(dstNative), Array.from(dstJs), `shared ${dstShared}/${srcShared}`);
  }
});

test('copyRanges refuses a range outside either array and then copies nothing', () => {
  const dst = new Uint8Array(16);
  const src = new Uint8Array(16).fill(7);
  const bad = [
    [0, 0, 17],
    [10, 0, 7],
    [0, 10, 7],
    [0xffffffff, 0, 2],
  ];
  for (const last of bad) {
    assert.throws(
      () => native(dst, src, new Uint32Array([0, 0, 4, ...last]), 2),
      (e: Error) => e instanceof RangeError && /outside/.test(e.message),
    );
    assert.ok(
      dst.every((b) => b === 0),
      'the good range before it was not copied either',
    );
  }
  assert.throws(() => native(dst, src, new Uint32Array(3), 2), RangeError, 'count past ranges');
  assert.throws(() => native(dst, src, new Uint32Array(3), -1), RangeError);
  assert.throws(() => native(dst, src, new Uint32Array(3), 0.5), RangeError);
  assert.throws(
    () => native(new Uint16Array(4) as unknown as Uint8Array, src, new Uint32Array(3), 1),
    TypeError,
  );
});

test('CopyQueue: nothing moves before flush; a new destination or source flushes first', () => {
  let calls = 0;
  const counting: CopyRanges = (d, s, r, n) => {
    calls++;
    native(d, s, r, n);
  };
  const q = new CopyQueue(counting);
  const arena = Buffer.from(randomBytes(300));
  const lane = sharedBytes(1024);
  const other = new Uint8Array(64);
  q.add(lane, 0, arena.subarray(0, 100));
  q.add(lane, 500, arena.subarray(100, 300));
  assert.ok(
    lane.every((b) => b === 0),
    'queued, not copied',
  );
  q.add(other, 0, arena.subarray(0, 64)); // another destination: the lane's two go first
  assert.equal(calls, 1);
  assert.deepEqual(Array.from(lane.subarray(0, 100)), Array.from(arena.subarray(0, 100)));
  assert.deepEqual(Array.from(lane.subarray(500, 700)), Array.from(arena.subarray(100, 300)));
  q.add(other, 0, lane.subarray(0, 8)); // another source
  assert.equal(calls, 2);
  q.flush();
  q.flush();
  assert.equal(calls, 3, 'an empty flush calls nothing');
  assert.deepEqual(Array.from(other.subarray(0, 8)), Array.from(arena.subarray(0, 8)));
  assert.equal(q.batches, 3);
  assert.throws(() => q.add(other, 60, arena.subarray(0, 5)), RangeError, 'checked on add');
});

test('CopyQueue: 512 copies per call at most, all of them made', () => {
  let calls = 0;
  const q = new CopyQueue((d, s, r, n) => {
    calls++;
    assert.ok(n <= 512);
    native(d, s, r, n);
  });
  const src = Uint8Array.from({ length: 1200 }, (_, i) => i & 0xff);
  const dst = sharedBytes(1200);
  for (let i = 0; i < 1200; i++) q.add(dst, i, src.subarray(i, i + 1));
  q.flush();
  assert.equal(calls, 3);
  assert.deepEqual(Array.from(dst), Array.from(src));
});

test('CopyQueue: an empty source (a keepalive) is no copy and does not end the batch', () => {
  let calls = 0;
  const q = new CopyQueue((d, s, r, n) => {
    calls++;
    native(d, s, r, n);
  });
  const arena = Uint8Array.from([1, 2, 3, 4]);
  const lane = sharedBytes(16);
  q.add(lane, 0, arena.subarray(0, 2));
  q.add(lane, 4, new Uint8Array(0));
  q.add(lane, 8, arena.subarray(2, 4));
  q.flush();
  assert.equal(calls, 1);
  assert.deepEqual(Array.from(lane.subarray(0, 10)), [1, 2, 0, 0, 0, 0, 0, 0, 3, 4]);
});

test('CopyQueue without copyRanges copies at once', () => {
  const q = new CopyQueue(null);
  const dst = new Uint8Array(4);
  q.add(dst, 1, new Uint8Array([1, 2]));
  assert.deepEqual(Array.from(dst), [0, 1, 2, 0]);
});
