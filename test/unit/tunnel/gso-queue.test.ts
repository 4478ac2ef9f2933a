import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GsoQueue, MAX_SEGMENTS } from '../../../app/tunnel/gso-queue.js';

interface Sent {
  to: string;
  segmentSize: number;
  count: number;
  data: number[];
}

/** A datagram of `len` bytes, every byte equal to `tag`, so order is visible. */
const dgram = (len: number, tag: number) => new Uint8Array(len).fill(tag);

function drain(q: GsoQueue<string>): Sent[] {
  const sent: Sent[] = [];
  q.flush((to, data, segmentSize, count) => {
    sent.push({ to, segmentSize, count, data: [...data] });
  });
  return sent;
}

/** Splits a run back into datagrams the way the kernel segments it. */
function segments(s: Sent): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < s.data.length; i += s.segmentSize)
    out.push(s.data.slice(i, i + s.segmentSize));
  return out;
}

test('equal-sized datagrams to one destination become one run; a shorter one may end it', () => {
  const q = new GsoQueue<string>();
  for (let i = 0; i < 10; i++) q.enqueue('A', dgram(100, i));
  q.enqueue('A', dgram(40, 10));
  assert.equal(q.pending, 11);
  const sent = drain(q);
  assert.equal(sent.length, 1);
  assert.deepEqual(
    { to: sent[0]!.to, segmentSize: sent[0]!.segmentSize, count: sent[0]!.count },
    { to: 'A', segmentSize: 100, count: 11 },
  );
  const segs = segments(sent[0]!);
  assert.equal(segs.length, 11);
  segs.forEach((s, i) => assert.ok(s.every((b) => b === i)));
  assert.equal(segs[10]!.length, 40);
  assert.equal(q.pending, 0);
  assert.deepEqual(drain(q), [], 'flush empties the queue');
});

test('order per destination is kept: a full-size datagram after a short one starts a new run', () => {
  const q = new GsoQueue<string>();
  q.enqueue('A', dgram(100, 1));
  q.enqueue('A', dgram(60, 2));
  q.enqueue('A', dgram(100, 3));
  q.enqueue('A', dgram(120, 4));
  const sent = drain(q);
  assert.deepEqual(
    sent.map((s) => [s.segmentSize, s.count]),
    [
      [100, 2],
      [100, 1],
      [120, 1],
    ],
  );
  const tags = sent.flatMap((s) => segments(s).map((seg) => seg[0]));
  assert.deepEqual(tags, [1, 2, 3, 4]);
});

test('destinations are queued separately and each keeps its own order', () => {
  const q = new GsoQueue<string>();
  for (let i = 0; i < 6; i++) q.enqueue(i % 2 ? 'B' : 'A', dgram(50, i));
  const sent = drain(q);
  assert.deepEqual(
    sent.map((s) => [s.to, s.count, segments(s).map((x) => x[0])]),
    [
      ['A', 3, [0, 2, 4]],
      ['B', 3, [1, 3, 5]],
    ],
  );
});

test('runs respect the 64-segment and 64 KiB limits of the kernel', () => {
  const q = new GsoQueue<string>();
  for (let i = 0; i < 150; i++) q.enqueue('A', dgram(10, i & 0xff));
  assert.deepEqual(
    drain(q).map((s) => s.count),
    [MAX_SEGMENTS, MAX_SEGMENTS, 150 - 2 * MAX_SEGMENTS],
  );
  for (let i = 0; i < 60; i++) q.enqueue('A', dgram(1500, i));
  const big = drain(q);
  assert.ok(big.every((s) => s.data.length <= 65_507));
  assert.deepEqual(
    big.map((s) => s.count),
    [43, 17],
  );
});

test('chunks are reused: later flushes carry fresh data, not leftovers', () => {
  const q = new GsoQueue<string>();
  q.enqueue('A', dgram(200, 7));
  drain(q);
  q.enqueue('A', dgram(30, 9));
  const [s] = drain(q);
  assert.deepEqual(s?.data, new Array(30).fill(9));
});

test('the queue copies: the caller may overwrite its buffer after enqueue', () => {
  const q = new GsoQueue<string>();
  const buf = dgram(20, 1);
  q.enqueue('A', buf);
  buf.fill(2);
  assert.deepEqual(drain(q)[0]?.data, new Array(20).fill(1));
});

test('empty and oversized datagrams are refused with a RangeError', () => {
  const q = new GsoQueue<string>();
  assert.throws(() => q.enqueue('A', new Uint8Array(0)), RangeError);
  assert.throws(() => q.enqueue('A', new Uint8Array(70_000)), RangeError);
  assert.equal(q.pending, 0);
});
