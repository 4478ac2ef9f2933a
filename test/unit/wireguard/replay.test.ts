// Replay protection: the RFC 6479-style sliding window over 64-bit counters, checked against
// a plain set-based model on long seeded random sequences (jumps, reordering, duplicates, the
// 2^32 boundary, the message limit), then end to end between two devices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  REJECT_AFTER_MESSAGES_HI,
  REJECT_AFTER_MESSAGES_LO,
} from '../../../app/tunnel/wireguard/constants.js';
import {
  counterDifference,
  REPLAY_WINDOW_SIZE,
  ReplayFilter,
} from '../../../app/tunnel/wireguard/replay.js';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { establish, ipv4Packet, pair, seededRandom, sentOfType } from './harness.js';

const LIMIT = (1n << 64n) - (1n << 13n) - 1n; // REJECT_AFTER_MESSAGES
const WINDOW = BigInt(REPLAY_WINDOW_SIZE);
const hi = (c: bigint) => Number(c >> 32n);
const lo = (c: bigint) => Number(c & 0xffffffffn);

/** What the filter must do, stated as simply as possible. */
class ModelFilter {
  private readonly seen = new Set<bigint>();
  private max = 0n;
  validate(c: bigint): boolean {
    if (c >= LIMIT) return false;
    if (c < this.max && this.max - c > WINDOW) return false;
    if (this.seen.has(c)) return false;
    this.seen.add(c);
    if (c > this.max) this.max = c;
    return true;
  }
  get newest(): bigint {
    return this.max;
  }
}

test('the limit constant halves are 2^64 - 2^13 - 1', () => {
  assert.equal((BigInt(REJECT_AFTER_MESSAGES_HI) << 32n) + BigInt(REJECT_AFTER_MESSAGES_LO), LIMIT);
  assert.ok(REPLAY_WINDOW_SIZE >= 2048, 'a window of at least 2048 counters');
});

test('in order: every counter accepted once, every repeat refused', () => {
  const f = new ReplayFilter();
  for (let c = 0; c < 20_000; c++) {
    assert.equal(f.validate(0, c), true, `first ${c}`);
    assert.equal(f.validate(0, c), false, `again ${c}`);
  }
});

test('window edges: exactly REPLAY_WINDOW_SIZE behind is judged, one more is too old', () => {
  const f = new ReplayFilter();
  const newest = 100_000;
  assert.equal(f.validate(0, newest), true);
  assert.equal(f.wouldAccept(0, newest - REPLAY_WINDOW_SIZE), true);
  assert.equal(f.validate(0, newest - REPLAY_WINDOW_SIZE), true);
  assert.equal(f.validate(0, newest - REPLAY_WINDOW_SIZE), false, 'and only once');
  assert.equal(f.wouldAccept(0, newest - REPLAY_WINDOW_SIZE - 1), false);
  assert.equal(f.validate(0, newest - REPLAY_WINDOW_SIZE - 1), false);
  // Reordered arrivals inside the window are each accepted once.
  for (let c = newest - 1; c > newest - 3000; c -= 3) assert.equal(f.validate(0, c), true);
  for (let c = newest - 1; c > newest - 3000; c -= 3) assert.equal(f.validate(0, c), false);
});

test('a jump far ahead forgets the old window entirely; counters cross 2^32 exactly', () => {
  const f = new ReplayFilter();
  for (let c = 0; c < 100; c++) f.validate(0, c);
  // Ahead by more than the ring: none of the old bits may linger.
  const far = 100n + 8192n * 3n + 5n;
  assert.equal(f.validate(0, Number(far)), true);
  for (let k = 1n; k < 200n; k++) assert.equal(f.validate(0, Number(far - k)), true, `${far - k}`);
  // Across the 32-bit boundary the halves carry.
  const g = new ReplayFilter();
  const base = (1n << 32n) - 3n;
  for (let c = base; c < base + 6n; c++) assert.equal(g.validate(hi(c), lo(c)), true, `${c}`);
  for (let c = base; c < base + 6n; c++) assert.equal(g.validate(hi(c), lo(c)), false, `${c}`);
  assert.equal(g.validate(0, 0xffffffff - REPLAY_WINDOW_SIZE), false, 'too old across it');
  assert.equal(counterDifference(1, 0, 0, 0xffffffff), 1);
  assert.equal(counterDifference(0, 0xffffffff, 1, 0), -1);
});

test('counters at and beyond REJECT_AFTER_MESSAGES are refused', () => {
  const f = new ReplayFilter();
  assert.equal(f.validate(hi(LIMIT - 1n), lo(LIMIT - 1n)), true);
  assert.equal(f.wouldAccept(hi(LIMIT), lo(LIMIT)), false);
  assert.equal(f.validate(hi(LIMIT), lo(LIMIT)), false);
  assert.equal(f.validate(0xffffffff, 0xffffffff), false);
  assert.equal(f.validate(0, 5), false, 'far behind');
});

test('model check: 60 000 seeded random counters, the filter and the model always agree', () => {
  const random = seededRandom(6479);
  const r32 = () => {
    const b = random(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  };
  for (const start of [0n, (1n << 32n) - 4_000n, (1n << 60n) - 7n, LIMIT - 30_000n]) {
    const f = new ReplayFilter();
    const model = new ModelFilter();
    // Both begin at the same newest counter.
    assert.equal(f.validate(hi(start), lo(start)), model.validate(start));
    let accepted = 0;
    for (let i = 0; i < 15_000; i++) {
      const newest = model.newest;
      const pick = r32() % 100;
      let c: bigint;
      if (pick < 40)
        c = newest + BigInt(1 + (r32() % 4)); // in order, small gaps
      else if (pick < 75)
        c = newest - BigInt(r32() % (REPLAY_WINDOW_SIZE + 64)); // late
      else if (pick < 85)
        c = newest - BigInt(r32() % 16); // likely duplicates
      else if (pick < 95)
        c = newest + BigInt(r32() % 20_000); // jumps within/over the ring
      else c = newest + BigInt(r32()) * BigInt(1 + (r32() % 3)); // huge jumps (maybe past the limit)
      if (c < 0n) c = 0n;
      if (c >= 1n << 64n) c = (1n << 64n) - 1n;
      const expected = model.validate(c);
      if (i % 3 === 0) assert.equal(f.wouldAccept(hi(c), lo(c)), expected, `wouldAccept ${c}`);
      assert.equal(f.validate(hi(c), lo(c)), expected, `counter ${c} (step ${i})`);
      if (expected) accepted++;
    }
    assert.ok(accepted > 3_000, `a meaningful share accepted (${accepted})`);
  }
});

test('end to end: an exact duplicate is dropped as a replay', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const msg = sentOfType(a, 4).at(-1)!;
  net.deliver(msg);
  net.deliver(msg);
  assert.equal(b.drops().replay, 2);
  assert.equal(b.tun.length, 1);
});

test('end to end: reordering inside the window is accepted; a counter behind it is not', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.filter = (d) => (d.data[0] === 4 ? 'hold' : 'deliver');
  for (let i = 0; i < 10; i++) a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10 + i));
  net.filter = () => 'deliver';
  const held = net.held.splice(0);
  for (const d of [...held].reverse()) net.deliver(d);
  assert.equal(b.tun.length, 11, 'all ten arrived, newest first');
  assert.deepEqual(
    b.tun.slice(1).map((p) => p.length),
    held.map((_, i) => 20 + 10 + (9 - i)),
  );

  // Hold one, send a window's worth past it, then deliver the stale one.
  net.filter = (d) => (d.data[0] === 4 ? 'hold' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 5));
  net.filter = () => 'deliver';
  const stale = net.held.splice(0)[0]!;
  const out: Effect[] = [];
  for (let i = 0; i <= REPLAY_WINDOW_SIZE; i++) {
    a.device.handleTunPacket(ipv4Packet('10.0.0.1', '10.0.0.2', 1), net.now, out);
    net.absorb(a, out);
  }
  net.flush();
  const before = b.tun.length;
  net.deliver(stale);
  assert.equal(b.tun.length, before, 'not delivered');
  assert.equal(b.drops().replay, 1);
});

test('end to end: a replayed message never refreshes timers or moves the endpoint', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const msg = sentOfType(a, 4).at(-1)!;
  const events = b.events.length;
  net.deliver({ ...msg, from: { host: '198.18.7.7', port: 999 } });
  assert.equal(b.drops().replay, 1);
  assert.equal(b.events.length, events, 'no endpoint-changed event');
  assert.deepEqual(b.device.stats().peers[0]!.endpoint, a.addr);
});
