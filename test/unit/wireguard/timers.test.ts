// Every WireGuard timer, driven by a fake clock: handshake retries and giving up, passive
// and persistent keepalives, a new handshake when sent data gets no answer, rekey after
// time (sending and receiving side), reject after time, key zeroing, keypair rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  KEEPALIVE_TIMEOUT,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
} from '../../../app/tunnel/wireguard/constants.js';
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import { generatePrivateKey } from '../../../app/tunnel/wireguard/keys.js';
import {
  establish,
  ipv4Packet,
  onlyPeer,
  pair,
  sentOfType,
  type Datagram,
  type Node,
} from './harness.js';

const initiations = (n: Node) => n.sent.filter((d: Datagram) => d.data[0] === 1);
const transports = (n: Node) => n.sent.filter((d: Datagram) => d.data[0] === 4);
const aToB = (size = 10) => ipv4Packet('10.0.0.1', '10.0.0.2', size);
const bToA = (size = 10) => ipv4Packet('10.0.0.2', '10.0.0.1', size);

test('unanswered initiations are retried every REKEY_TIMEOUT (+ jitter), then abandoned as wireguard-go does', () => {
  const { net, a, b } = pair();
  net.filter = () => 'drop';
  a.tunIn(aToB(77));
  const start = net.now;
  // wireguard-go sends MaxTimerHandshakes + 2 = 20 initiations, then gives up.
  net.advance((MAX_TIMER_HANDSHAKES + 2) * (REKEY_TIMEOUT + 334));
  assert.equal(MAX_TIMER_HANDSHAKES + 2, 20);
  assert.equal(initiations(a).length, 20, 'first attempt plus 19 retries');
  const attempts = a.events.filter((e) => e.name === 'handshake-initiated');
  assert.deepEqual(
    attempts.map((e) => ('attempt' in e ? e.attempt : 0)),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const gaveUp = a.events.filter((e) => e.name === 'handshake-gave-up');
  assert.equal(gaveUp.length, 1, 'gave up once');
  const gaveUpAt = net.now;
  assert.ok(gaveUpAt - start >= REKEY_ATTEMPT_TIME, 'not before REKEY_ATTEMPT_TIME');
  // Nothing more is sent after giving up, until there is new traffic...
  const count = a.sent.length;
  net.advance(60_000);
  assert.equal(a.sent.length, count);
  // ...and the packet that waited was flushed: a new handshake carries only new traffic.
  net.filter = () => 'deliver';
  a.tunIn(aToB(88));
  assert.deepEqual(
    b.tun.map((p) => p.length - 20),
    [88],
  );
});

test('giving up arms the key-zeroing timer for 3 × REJECT_AFTER_TIME', () => {
  const { net, a } = pair();
  net.filter = () => 'drop';
  a.tunIn(aToB());
  let gaveUpAt = 0;
  while (!a.events.some((e) => e.name === 'handshake-gave-up')) {
    net.advance(100);
    gaveUpAt = net.now;
  }
  const deadline = a.device.nextDeadline();
  assert.ok(deadline !== null && Math.abs(deadline - (gaveUpAt + 3 * REJECT_AFTER_TIME)) <= 100);
  net.advance(3 * REJECT_AFTER_TIME);
  assert.ok(a.events.some((e) => e.name === 'keys-zeroed'));
  assert.equal(a.device.nextDeadline(), null, 'nothing left to do');
});

test('initiations are rate limited to one per REKEY_TIMEOUT, however much traffic waits', () => {
  const { net, a } = pair();
  net.filter = () => 'drop';
  for (let i = 0; i < 49; i++) {
    a.tunIn(aToB(i + 1));
    net.now += 100; // 4.9 s of traffic, without running timers
  }
  assert.equal(initiations(a).length, 1);
  net.now += 200;
  a.tunIn(aToB());
  assert.equal(initiations(a).length, 2, 'allowed again after REKEY_TIMEOUT');
});

test('retries are spaced REKEY_TIMEOUT plus up to 333 ms of jitter', () => {
  const { net, a } = pair();
  const sentAt: number[] = [];
  net.filter = (d) => {
    if (d.data[0] === 1) sentAt.push(net.now);
    return 'drop';
  };
  a.tunIn(aToB());
  net.advance(30_000);
  const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]!);
  assert.ok(gaps.length >= 4);
  for (const g of gaps) assert.ok(g >= REKEY_TIMEOUT && g <= REKEY_TIMEOUT + 333, `gap ${g}`);
  assert.ok(new Set(gaps).size > 1, 'jittered, not constant');
});

test('jitter draws from a pooled CSPRNG read (a ping re-arms it; one read per 256 draws)', () => {
  const reads: number[] = [];
  const device = new WireGuardDevice({
    privateKey: generatePrivateKey(),
    now: 0,
    randomBytes: (n) => {
      reads.push(n);
      return randomBytes(n);
    },
  });
  const before = reads.length;
  const values = Array.from({ length: 600 }, () => device.jitter());
  assert.deepEqual(reads.slice(before), [512, 512, 512], 'ceil(600 / 256) reads of 512 bytes');
  for (const v of values) assert.ok(Number.isInteger(v) && v >= 0 && v <= 333, `jitter ${v}`);
  assert.ok(new Set(values).size > 100, 'spread over the range');
});

test('passive keepalive: a receiver with nothing to say answers within KEEPALIVE_TIMEOUT', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const before = transports(b).length;
  net.advance(KEEPALIVE_TIMEOUT - 100);
  assert.equal(transports(b).length, before);
  net.advance(200);
  assert.equal(transports(b).length, before + 1);
  assert.equal(transports(b).at(-1)!.data.length, 32);
  // And only one: no further keepalives without further data.
  net.advance(60_000);
  assert.equal(transports(b).length, before + 1);
});

test('persistent keepalive: one every N seconds while idle, pushed back by any traffic', () => {
  const { net, a, b } = pair({ aPeer: { persistentKeepalive: 25 } });
  const sentAt: number[] = [];
  net.filter = (d) => {
    if (d.from.host === a.addr.host && d.data[0] === 4) sentAt.push(net.now);
    return 'deliver';
  };
  // addPeer with persistent keepalive sends one at once, which starts the handshake.
  const start = net.now;
  net.advance(1);
  assert.ok(a.events.some((e) => e.name === 'handshake-complete'));
  assert.deepEqual(sentAt, [start], 'the first keepalive went out with the handshake');
  net.advance(100_000);
  assert.deepEqual(
    sentAt.slice(1).map((t) => t - start),
    [25_000, 50_000, 75_000, 100_000],
  );
  assert.ok(
    sentOfType(a, 4).every((d) => d.data.length === 32),
    'all keepalives',
  );
  // Any authenticated packet, received or sent, pushes the next one 25 s out.
  net.advance(5_000);
  const receivedAt = net.now;
  b.tunIn(bToA());
  assert.equal(onlyPeer(a).timers.persistentKeepalive, receivedAt + 25_000, 'after receiving');
  net.advance(KEEPALIVE_TIMEOUT); // A's passive keepalive for that packet
  assert.equal(sentAt.at(-1), receivedAt + KEEPALIVE_TIMEOUT);
  assert.equal(
    onlyPeer(a).timers.persistentKeepalive,
    receivedAt + KEEPALIVE_TIMEOUT + 25_000,
    'after sending',
  );
  // B has no persistent keepalive: it only ever answered data with (passive) keepalives.
  assert.ok(!b.events.some((e) => e.name === 'handshake-initiated'));
});

test('passive keepalive: more data during the wait earns one more keepalive later', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(KEEPALIVE_TIMEOUT + 1_000); // B's keepalive for the first packet
  const sentAt: number[] = [];
  net.filter = (d) => {
    if (d.from.host === b.addr.host && d.data.length === 32) sentAt.push(net.now);
    return 'deliver';
  };
  const t0 = net.now;
  a.tunIn(aToB());
  net.advance(5_000);
  a.tunIn(aToB()); // while B's keepalive timer is pending
  net.advance(30_000);
  assert.deepEqual(
    sentAt.map((t) => t - t0),
    [KEEPALIVE_TIMEOUT, 2 * KEEPALIVE_TIMEOUT],
  );
});

test('sent data without any answer for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT starts a new handshake', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(KEEPALIVE_TIMEOUT); // let B's keepalive for the first packet pass
  net.filter = (d) => (d.from.host === b.addr.host ? 'drop' : 'deliver');
  const before = initiations(a).length;
  a.tunIn(aToB());
  net.advance(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT - 100);
  assert.equal(initiations(a).length, before);
  net.advance(500);
  assert.equal(initiations(a).length, before + 1);
});

test('the initiator rekeys when sending on a keypair older than REKEY_AFTER_TIME', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(REKEY_AFTER_TIME - 1_000);
  a.tunIn(aToB());
  assert.equal(initiations(a).length, 1);
  net.advance(2_000);
  a.tunIn(aToB());
  assert.equal(initiations(a).length, 2, 'rekeyed');
  assert.equal(b.tun.length, 3, 'no packet lost across the rekey');
  // The responder does not rekey on age when sending.
  const bBefore = initiations(b).length;
  b.tunIn(bToA());
  assert.equal(initiations(b).length, bBefore);
});

test('the initiator rekeys (once) when receiving on a keypair about to expire; the responder never', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const threshold = REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
  net.advance(threshold - 1_000);
  b.tunIn(bToA());
  assert.equal(a.tun.length, 1);
  assert.equal(initiations(a).length, 1, 'not yet');
  net.advance(2_000); // (A's passive keepalive is still pending: nothing is sent meanwhile)
  net.filter = (d) => (d.data[0] === 1 ? 'drop' : 'deliver');
  b.tunIn(bToA());
  assert.equal(a.tun.length, 2);
  assert.equal(initiations(a).length, 2, 'rekey triggered by receiving');
  // Only once per session: past the rate limit, more received data starts nothing new
  // (the clock moves without running timers, so retries cannot interfere).
  net.now += REKEY_TIMEOUT + 1_000;
  b.tunIn(bToA());
  assert.equal(a.tun.length, 3, 'the old keypair still receives');
  assert.equal(initiations(a).length, 2, 'no second last-minute handshake');
  // B, the responder, received A's data on an equally old keypair and did not initiate.
  assert.equal(initiations(b).length, 0);
});

test('a message on a keypair older than REJECT_AFTER_TIME is dropped as expired', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(REJECT_AFTER_TIME - 2_000);
  // A's last message on the old session is held until that session has expired.
  net.filter = (d) => (d.data[0] === 4 && d.data.length > 32 ? 'hold' : 'deliver');
  a.tunIn(aToB(55));
  net.filter = () => 'deliver';
  const [late] = net.held.splice(0);
  assert.ok(late);
  net.advance(3_000);
  const before = b.tun.length;
  net.deliver(late);
  assert.equal(b.tun.length, before);
  assert.equal(b.drops().expired, 1);
});

test('a keypair is never used past REJECT_AFTER_TIME: data waits for a new handshake', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.filter = () => 'drop';
  net.advance(REJECT_AFTER_TIME + 1_000);
  const sentBefore = transports(a).length;
  a.tunIn(aToB());
  assert.equal(transports(a).length, sentBefore, 'not sent with the expired keypair');
  net.filter = () => 'deliver';
  net.advance(REKEY_TIMEOUT + 400);
  assert.equal(b.tun.length, 2, 'delivered with the new session');
});

test('previous keypair still decrypts packets in flight across a rekey', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(REKEY_AFTER_TIME + 1_000);
  // Hold only the first transport message: the data sent on the old keypair (what
  // follows, the keepalive confirming the new session, goes through).
  let holding = true;
  net.filter = (d) => {
    if (holding && d.data[0] === 4) {
      holding = false;
      return 'hold';
    }
    return 'deliver';
  };
  a.tunIn(aToB(33)); // sent on the old keypair, and starts the rekey
  net.filter = () => 'deliver';
  const old = net.held.splice(0);
  assert.equal(old.length, 1);
  assert.equal(initiations(a).length, 2, 'rekeyed');
  a.tunIn(aToB(44)); // on the new keypair
  net.deliver(old[0]!);
  assert.deepEqual(
    b.tun.slice(1).map((p) => p.length - 20),
    [44, 33],
  );
});

test('all keys are zeroed after 3 × REJECT_AFTER_TIME without a new handshake', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(KEEPALIVE_TIMEOUT + 1_000);
  const aKeys = onlyPeer(a).keypairs.current!;
  const bKeys = onlyPeer(b).keypairs.current!;
  const oldMessage = sentOfType(a, 4).at(-1)!;
  net.filter = () => 'drop';
  net.advance(3 * REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - 2_000 - 1_000);
  assert.ok(!a.events.some((e) => e.name === 'keys-zeroed'));
  assert.ok(aKeys.sendKey.some((x) => x !== 0));
  net.advance(3_000);
  assert.ok(
    a.events.some((e) => e.name === 'keys-zeroed'),
    'A zeroed',
  );
  assert.ok(
    b.events.some((e) => e.name === 'keys-zeroed'),
    'B zeroed',
  );
  for (const k of [aKeys, bKeys]) {
    assert.deepEqual(k.sendKey, new Uint8Array(32));
    assert.deepEqual(k.receiveKey, new Uint8Array(32));
  }
  for (const n of [a, b]) {
    const slots = onlyPeer(n).keypairs;
    assert.deepEqual([slots.previous, slots.current, slots.next], [null, null, null]);
  }
  // The session's index is gone too.
  net.filter = () => 'deliver';
  net.deliver(oldMessage);
  assert.equal(b.drops()['unknown-index'], 1);
  // A fresh handshake still works afterwards.
  a.tunIn(aToB(77));
  assert.equal(b.tun.at(-1)!.length, 97);
});

test('after the initiator rekeys, the responder’s packets on the old session still arrive', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(REKEY_AFTER_TIME + 1_000);
  net.filter = (d) => (d.data[0] === 1 ? 'hold' : 'deliver');
  a.tunIn(aToB(21)); // old session; its rekey initiation is held
  const [initiation] = net.held.splice(0);
  assert.ok(initiation);
  net.filter = (d) => (d.data[0] === 4 && d.from.host === b.addr.host ? 'hold' : 'deliver');
  b.tunIn(bToA(22)); // B still on the old session
  const [fromB] = net.held.splice(0);
  assert.ok(fromB);
  net.filter = () => 'deliver';
  net.deliver(initiation);
  net.flush();
  const slots = onlyPeer(a).keypairs;
  assert.ok(slots.current !== null && slots.previous !== null, 'A moved on, keeping previous');
  net.deliver(fromB);
  assert.deepEqual(
    a.tun.map((p) => p.length - 20),
    [22],
  );
  assert.deepEqual(a.drops(), {});
});
