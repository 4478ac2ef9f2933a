// Handshake floods: handshake messages wait in a bounded queue apart from transport data and
// are worked a budget per call; "under load" (queue 1/8 full, or past the Diffie-Hellman
// allowance, sticky for a second) turns valid-mac1 initiations into cookie replies, which are
// capped per source and in total. The flood here is what an attacker who knows only the
// public key can send: real initiations from identities the device does not know.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COOKIE_REPLIES_PER_SECOND,
  COOKIE_REPLY_BURST,
  HANDSHAKE_BUDGET,
  HANDSHAKE_QUEUE_CAPACITY,
  HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES,
  RATELIMIT_BURST,
  RATELIMIT_PACKETS_PER_SECOND,
  UNDER_LOAD_AFTER_TIME,
  UNDER_LOAD_NOISE_PER_SECOND,
} from '../../../app/tunnel/wireguard/constants.js';
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import { HandshakeQueue } from '../../../app/tunnel/wireguard/handshake-queue.js';
import { generatePrivateKey } from '../../../app/tunnel/wireguard/keys.js';
import { LoadMonitor } from '../../../app/tunnel/wireguard/load.js';
import { TokenBucket } from '../../../app/tunnel/wireguard/ratelimiter.js';
import type { Effect, Endpoint } from '../../../app/tunnel/wireguard/types.js';
import { establish, ipv4Packet, onlyPeer, pair, seededRandom, sentOfType } from './harness.js';

const T0 = 1_000_000;

/** Initiations with a valid mac1 for `target`, from throwaway identities it does not know. */
function forgedInitiations(target: Uint8Array, n: number, seed = 77): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const d = new WireGuardDevice({
      privateKey: generatePrivateKey(random),
      randomBytes: random,
      now: 0,
      wallClock: () => 1_700_000_000_000,
    });
    d.addPeer({ publicKey: target, endpoint: { host: '203.0.113.9', port: 9 }, allowedIps: [] });
    const out: Effect[] = [];
    d.probePeers(0, out);
    const first = out.find((e) => e.type === 'udp');
    assert.ok(first && first.type === 'udp');
    return first.data;
  });
}

const attacker = (i: number): Endpoint => ({
  host: `198.18.${(i >> 8) & 255}.${i & 255}`,
  port: 40_000,
});

function victim(extra: Partial<ConstructorParameters<typeof WireGuardDevice>[0]> = {}) {
  return new WireGuardDevice({
    privateKey: generatePrivateKey(seededRandom(5)),
    randomBytes: seededRandom(6),
    now: T0,
    ...extra,
  });
}

const udpOut = (out: Effect[]) =>
  out.flatMap((e) => (e.type === 'udp' ? [{ to: e.to, data: e.data }] : []));

test('HandshakeQueue: a bounded FIFO of copies', () => {
  const q = new HandshakeQueue(3);
  const from = { host: '192.0.2.7', port: 7 };
  const buffer = new Uint8Array([1]);
  for (const b of [1, 2, 3]) {
    buffer[0] = b;
    q.push(buffer, from);
  }
  assert.equal(q.full, true);
  assert.throws(() => q.push(buffer, from), /full/);
  assert.deepEqual(q.shift()?.data, new Uint8Array([1]), 'oldest first, copied on push');
  q.push(new Uint8Array([4]), from);
  assert.deepEqual(
    [q.shift(), q.shift(), q.shift()].map((m) => m?.data[0]),
    [2, 3, 4],
    'wraps around',
  );
  assert.equal(q.shift(), undefined);
  assert.equal(q.length, 0);
  assert.equal(q.peak, 3);
  assert.throws(() => new HandshakeQueue(0), /capacity/);
});

test('HandshakeQueue copies a view of a Buffer too (the addon receive arena is one; its slice() is a view)', () => {
  const q = new HandshakeQueue(2);
  const arena = Buffer.from([9, 8, 7, 6]);
  q.push(arena.subarray(1, 3), { host: '192.0.2.7', port: 7 });
  arena.fill(0xee);
  assert.deepEqual(Array.from(q.shift()?.data ?? []), [8, 7]);
});

test('initiations fill the queue but its reserve; the rest are dropped and counted before any MAC is computed', () => {
  const d = victim();
  const [flood] = forgedInitiations(d.publicKey, 1);
  const out: Effect[] = [];
  const badMac = flood!.slice();
  badMac[120]! ^= 1;
  d.handleDatagram(badMac, attacker(1), T0, out);
  assert.equal(d.stats().drops['bad-mac'], 1, 'a bad mac1 never takes a place');
  for (let i = 0; i < 5000; i++) d.handleDatagram(flood!, attacker(i), T0, out);
  d.handleDatagram(badMac, attacker(1), T0, out);
  const s = d.stats();
  const room = HANDSHAKE_QUEUE_CAPACITY - HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES;
  assert.deepEqual(out, [], 'nothing worked yet: that is the budgeted work, later');
  assert.equal(s.handshakes.received, 5002);
  assert.equal(s.handshakes.queued, room);
  assert.equal(s.handshakes.peakQueue, room);
  assert.equal(s.handshakes.worked, 0);
  assert.equal(s.drops['handshake-queue-full'], 5000 - room + 1);
  assert.equal(s.drops['bad-mac'], 1, 'the full queue turned the second bad one away first');
  assert.equal(d.nextDeadline(), T0, 'queued work is due at once');
});

test('LoadMonitor: under load from `threshold` waiting, or past the DH allowance; sticky for 1 s', () => {
  const m = new LoadMonitor(512, HANDSHAKE_QUEUE_CAPACITY, T0);
  assert.equal(m.underLoad(511, T0), false);
  assert.equal(m.underLoad(512, T0 + 10), true, '1/8 of the queue');
  assert.equal(m.underLoad(0, T0 + 10 + UNDER_LOAD_AFTER_TIME - 1), true, 'sticky');
  assert.equal(m.underLoad(0, T0 + 10 + UNDER_LOAD_AFTER_TIME), false, 'and over a second later');

  // A short queue, but more handshakes going to Diffie-Hellman than the allowance.
  const a = new LoadMonitor(512, HANDSHAKE_QUEUE_CAPACITY, T0);
  for (let i = 0; i < UNDER_LOAD_NOISE_PER_SECOND; i++) assert.equal(a.underLoad(0, T0), false);
  assert.equal(a.underLoad(0, T0), true, 'one more than the allowance');
  assert.equal(a.underLoad(0, T0 + UNDER_LOAD_AFTER_TIME - 1), true);
  assert.equal(a.underLoad(0, T0 + UNDER_LOAD_AFTER_TIME), false, 'the allowance came back');

  assert.equal(new LoadMonitor(0, 10, T0).underLoad(0, T0), true, 'threshold 0: always');
  assert.throws(() => new LoadMonitor(-1, 10, T0), /threshold/);
  assert.throws(() => new LoadMonitor(11, 10, T0), /threshold/);
  assert.throws(() => new LoadMonitor(1.5, 10, T0), /threshold/);
});

test('under load, a valid-mac1 initiation gets a cookie reply, not a handshake response', () => {
  const { net, a, b } = pair();
  const flood = forgedInitiations(b.publicKey, 4);
  for (let i = 0; i < 600; i++) b.device.handleDatagram(flood[i % 4]!, attacker(1), net.now, []);
  net.filter = (d) => (d.data[0] === 1 ? 'hold' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  const [initiation] = net.held.splice(0);
  assert.ok(initiation);
  const out: Effect[] = [];
  b.device.handleDatagram(initiation.data, initiation.from, net.now, out);
  while (b.device.handleHandshakes(net.now, out) > 0);
  const toA = udpOut(out).filter((u) => u.to.host === a.addr.host && u.to.port === a.addr.port);
  assert.deepEqual(
    toA.map((u) => u.data[0]),
    [3],
    'a cookie reply to A, and no response (no DH for it)',
  );
  assert.equal(udpOut(out).filter((u) => u.data[0] === 2).length, 0);
  assert.equal(b.device.stats().drops['handshake-rejected'], 0, 'no flood message reached DH');
  // A takes the cookie; its retry (after REKEY_TIMEOUT) proves it with mac2 and gets through.
  net.filter = () => 'deliver';
  net.deliver({ from: b.addr, to: a.addr, data: toA[0]!.data });
  assert.equal(a.device.stats().drops.decrypt, 0);
  net.advance(5_400);
  assert.equal(b.tun.length, 1, 'the retry with mac2 completed the handshake');
});

test('data interleaved with a 10 000-message handshake burst is delivered by the very calls that carry it', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  b.tun.length = 0;
  const data: Uint8Array[] = [];
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const p = ipv4Packet('10.0.0.1', '10.0.0.2', 40 + (i % 50));
    const out: Effect[] = [];
    a.device.handleTunPacket(p, net.now, out);
    data.push(udpOut(out)[0]!.data);
    sent.push(p);
  }
  const flood = forgedInitiations(b.publicKey, 4);
  const delivered: Uint8Array[] = [];
  let queuedBehind = 0;
  // Batches of 200 datagrams a millisecond (200 000/s): the queue fills up and overflows.
  for (let i = 0; i < 10_000 + data.length; i++) {
    const out: Effect[] = [];
    if (i % 101 === 100) {
      queuedBehind = Math.max(queuedBehind, b.device.stats().handshakes.queued);
      b.device.handleDatagram(data[delivered.length]!, a.addr, net.now, out);
      const tun = out.flatMap((e) => (e.type === 'tun' ? [e.packet] : []));
      assert.equal(tun.length, 1, `data packet ${delivered.length} delivered by its own call`);
      delivered.push(tun[0]!);
    } else {
      b.device.handleDatagram(flood[i % 4]!, attacker(i % 7), net.now, out);
    }
    if (i % 200 === 199) {
      b.device.handleHandshakes(net.now, []);
      net.now += 1;
    }
  }
  assert.deepEqual(delivered, sent, 'all of them, in order');
  const s = b.device.stats();
  assert.equal(
    s.handshakes.peakQueue,
    HANDSHAKE_QUEUE_CAPACITY - HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES,
    'the queue was full (of initiations) meanwhile',
  );
  assert.ok(s.drops['handshake-queue-full'] > 0);
  assert.ok(queuedBehind > 1000, `up to ${queuedBehind} handshakes were waiting, not ahead`);
});

test('a legitimate peer that answers the cookie completes its handshake during a flood from other addresses', () => {
  const { net, a, b } = pair();
  const flood = forgedInitiations(b.publicKey, 4);
  const packet = ipv4Packet('10.0.0.1', '10.0.0.2', 33);
  // 10 000 initiations a second from three addresses, in batches of 10 a millisecond.
  for (let ms = 0; ms < 6_000 && b.tun.length === 0; ms++) {
    const out: Effect[] = [];
    for (let i = 0; i < 10; i++)
      b.device.handleDatagram(flood[i % 4]!, attacker(i % 3), net.now, out);
    b.device.handleHandshakes(net.now, out);
    net.absorb(b, out);
    if (ms === 100) a.tunIn(packet);
    net.flush();
    net.advance(1);
  }
  assert.deepEqual(b.tun, [packet], 'the handshake completed and the data came through');
  const initiations = sentOfType(a, 1);
  assert.equal(initiations.length, 2, 'the first attempt and one retry');
  assert.ok(
    initiations[1]!.data.subarray(132).some((x) => x !== 0),
    'the retry carried mac2',
  );
  const repliesToA = sentOfType(b, 3).filter((d) => d.to.host === a.addr.host);
  assert.equal(repliesToA.length, 1, 'the first attempt was answered with a cookie');
  assert.ok(a.eventNames().includes('handshake-complete'));
  assert.ok(onlyPeer(a).keypairs.current, 'A has a session');
  assert.ok(b.device.stats().drops['challenge-capped'] > 50_000, 'the flood went on throughout');
});

test('after a flood the queue drains in a bounded number of timer calls, each within the budget', () => {
  const d = victim();
  const flood = forgedInitiations(d.publicKey, 4);
  const room = HANDSHAKE_QUEUE_CAPACITY - HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES;
  for (let i = 0; i < room; i++) d.handleDatagram(flood[i % 4]!, attacker(i), T0, []);
  let now = T0;
  let calls = 0;
  for (;;) {
    const deadline = d.nextDeadline();
    if (deadline === null) break;
    assert.ok(deadline >= now, 'never a deadline in the past');
    assert.ok(calls === 0 || deadline > now, 'no busy loop: the next call is later');
    now = deadline;
    const before = d.stats();
    d.handleTimers(now, []);
    calls++;
    const after = d.stats();
    assert.ok(after.handshakes.worked - before.handshakes.worked <= HANDSHAKE_BUDGET);
    assert.ok(after.drops['handshake-rejected'] - before.drops['handshake-rejected'] <= 1);
    assert.ok(calls <= 1000, 'drains');
  }
  const expected = room / HANDSHAKE_BUDGET;
  assert.ok(calls >= expected && calls <= expected + UNDER_LOAD_NOISE_PER_SECOND, `${calls} calls`);
  assert.equal(d.stats().handshakes.worked, room);
  assert.equal(d.stats().handshakes.queued, 0);
});

test('the budget: one message reaching Diffie-Hellman per call, at most 64 cheap ones', () => {
  const d = victim();
  const flood = forgedInitiations(d.publicKey, 4);
  for (let i = 0; i < 100; i++) d.handleDatagram(flood[i % 4]!, attacker(i), T0, []);
  const worked: number[] = [];
  while (d.stats().handshakes.queued > 0) worked.push(d.handleHandshakes(T0, []));
  // Not under load at first: each call takes one message to DH, until the allowance is spent;
  // from then on the rest is answered without DH, 64 a call.
  assert.deepEqual(worked, [
    ...new Array<number>(UNDER_LOAD_NOISE_PER_SECOND).fill(1),
    HANDSHAKE_BUDGET,
    100 - UNDER_LOAD_NOISE_PER_SECOND - HANDSHAKE_BUDGET,
  ]);
  assert.equal(d.stats().drops['handshake-rejected'], UNDER_LOAD_NOISE_PER_SECOND, 'the DH ones');
});

test('TokenBucket: never more than burst + rate × time, at any request rate', () => {
  for (const perMs of [0.01, 1, 100, 10_000]) {
    const bucket = new TokenBucket(500, 50, 0);
    let taken = 0;
    let asked = 0;
    const every = perMs < 1 ? 1 / perMs : 1;
    for (let t = 0; t < 2_000; t += every) {
      for (let i = 0; i < Math.max(1, perMs); i++) {
        asked++;
        if (bucket.take(t)) taken++;
      }
    }
    assert.ok(taken <= 50 + 500 * 2, `${taken} taken at ${perMs}/ms`);
    assert.ok(taken <= asked);
    if (perMs >= 1) assert.ok(taken >= 1000, 'and the rate is available');
  }
});

test('cookie replies are capped per source and in total, whatever the flood', () => {
  // Always under load, so every initiation without mac2 asks for a cookie reply.
  const seconds = 2;
  const flood = (d: WireGuardDevice, perMs: number, sources: number) => {
    const messages = forgedInitiations(d.publicKey, 4);
    const replies = new Map<string, number>();
    let n = 0;
    for (let ms = 0; ms < seconds * 1000; ms++) {
      const out: Effect[] = [];
      for (let i = 0; i < perMs; i++, n++) {
        d.handleDatagram(messages[n % 4]!, attacker(n % sources), T0 + ms, out);
      }
      while (d.handleHandshakes(T0 + ms, out) > 0);
      for (const u of udpOut(out)) {
        assert.equal(u.data[0], 3);
        replies.set(u.to.host, (replies.get(u.to.host) ?? 0) + 1);
      }
    }
    return replies;
  };
  const perSourceCap = RATELIMIT_BURST + RATELIMIT_PACKETS_PER_SECOND * seconds;
  const one = victim({ underLoadThreshold: 0 });
  const fromOne = flood(one, 10, 1);
  assert.equal(fromOne.size, 1);
  assert.ok([...fromOne.values()][0]! <= perSourceCap, `one source: ${[...fromOne.values()]}`);
  assert.equal(one.stats().handshakes.challengesSent, [...fromOne.values()][0]);

  const many = victim({ underLoadThreshold: 0 });
  const fromMany = flood(many, 10, 2_000);
  const total = [...fromMany.values()].reduce((x, y) => x + y, 0);
  const totalCap = COOKIE_REPLY_BURST + COOKIE_REPLIES_PER_SECOND * seconds;
  assert.ok(total <= totalCap, `${total} replies in total (cap ${totalCap})`);
  assert.ok(total >= COOKIE_REPLIES_PER_SECOND * seconds, 'the cap, not the sources, limited it');
  assert.ok(Math.max(...fromMany.values()) <= perSourceCap);
  const s = many.stats();
  assert.equal(s.handshakes.challengesSent, total);
  assert.equal(s.drops['cookie-required'], total);
  assert.equal(s.drops['challenge-capped'], seconds * 1000 * 10 - total, 'the rest, counted');
});

test('cookie replies and responses that answer nothing of ours never take a place in the queue', () => {
  const d = victim();
  const random = seededRandom(99);
  const out: Effect[] = [];
  for (let i = 0; i < 5000; i++) {
    const reply = random(64);
    reply.set([3, 0, 0, 0]);
    d.handleDatagram(reply, attacker(i), T0, out);
    const response = random(92);
    response.set([2, 0, 0, 0]);
    d.handleDatagram(response, attacker(i), T0, out);
  }
  const s = d.stats();
  assert.equal(s.handshakes.peakQueue, 0, 'nothing was queued');
  assert.equal(s.drops['unknown-index'], 10_000);
  assert.equal(s.drops['handshake-queue-full'] ?? 0, 0);
  assert.deepEqual(out, []);
});

test('an initiation flood cannot crowd out the response to our own initiation', () => {
  const { net, a, b } = pair();
  // a starts a handshake; b's response is held back while a is flooded.
  net.filter = (dg) => (dg.data[0] === 2 ? 'hold' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  net.flush();
  const [response] = sentOfType(b, 2);
  assert.ok(response, 'b answered');
  const flood = forgedInitiations(a.publicKey, 4);
  for (let i = 0; i < 6000; i++) a.device.handleDatagram(flood[i % 4]!, attacker(i), net.now, []);
  const before = a.device.stats();
  assert.ok((before.drops['handshake-queue-full'] ?? 0) > 0, 'the flood filled the queue');
  a.device.handleDatagram(response.data, { host: '192.0.2.2', port: 51820 }, net.now, []);
  const after = a.device.stats();
  assert.equal(after.handshakes.queued, before.handshakes.queued + 1, 'the response got a place');
  assert.equal(after.drops['handshake-queue-full'], before.drops['handshake-queue-full']);
});
