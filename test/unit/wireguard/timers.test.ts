// Every WireGuard timer, driven by a fake clock: handshake retries and giving up, passive
// and persistent keepalives, a new handshake when sent data gets no answer, rekey after
// time (sending and receiving side), reject after time, key zeroing, keypair rotation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KEEPALIVE_TIMEOUT,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME,
  REKEY_AFTER_TIME,
  REKEY_ATTEMPT_TIME,
  REKEY_TIMEOUT,
} from '../../../app/tunnel/wireguard/constants.js';
import { establish, ipv4Packet, pair, type Datagram, type Node } from './harness.js';

const initiations = (n: Node) => n.sent.filter((d: Datagram) => d.data[0] === 1);
const transports = (n: Node) => n.sent.filter((d: Datagram) => d.data[0] === 4);
const aToB = (size = 10) => ipv4Packet('10.0.0.1', '10.0.0.2', size);
const bToA = (size = 10) => ipv4Packet('10.0.0.2', '10.0.0.1', size);

test('unanswered initiations are retried every REKEY_TIMEOUT (+ jitter) and abandoned after REKEY_ATTEMPT_TIME', () => {
  const { net, a } = pair();
  net.filter = () => 'drop';
  a.tunIn(aToB());
  net.advance(REKEY_ATTEMPT_TIME + 2 * REKEY_TIMEOUT);
  assert.equal(initiations(a).length, MAX_TIMER_HANDSHAKES + 2, 'first attempt plus retries');
  const gaveUp = a.events.findIndex((e) => e.name === 'handshake-gave-up');
  assert.ok(gaveUp >= 0, 'gave up');
  const attempts = a.events.filter((e) => e.name === 'handshake-initiated');
  assert.equal(attempts.length, MAX_TIMER_HANDSHAKES + 2);
  // Nothing more is sent after giving up, until there is new traffic.
  const count = a.sent.length;
  net.advance(60_000);
  assert.equal(a.sent.length, count);
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

test('persistent keepalive every N seconds while idle', () => {
  const { net, a, b } = pair({ aPeer: { persistentKeepalive: 25 } });
  // addPeer with persistent keepalive sends one at once, which starts the handshake.
  net.advance(1);
  assert.ok(a.events.some((e) => e.name === 'handshake-complete'));
  const start = transports(a).length;
  net.advance(100_000);
  const sent = transports(a).length - start;
  assert.ok(sent >= 3 && sent <= 4, `${sent} keepalives in 100 s`);
  assert.ok(transports(a).every((d) => d.data.length === 32));
  void b;
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

test('the initiator rekeys when receiving on a keypair about to expire', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT + 1_000);
  b.tunIn(bToA());
  assert.equal(a.tun.length, 1);
  assert.equal(initiations(a).length, 2, 'rekey triggered by receiving');
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
  net.filter = () => 'drop';
  net.advance(3 * REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - 2_000 - 1_000);
  assert.ok(!a.events.some((e) => e.name === 'keys-zeroed'));
  net.advance(3_000);
  assert.ok(
    a.events.some((e) => e.name === 'keys-zeroed'),
    'A zeroed',
  );
  assert.ok(
    b.events.some((e) => e.name === 'keys-zeroed'),
    'B zeroed',
  );
  // A fresh handshake still works afterwards.
  net.filter = () => 'deliver';
  a.tunIn(aToB(77));
  assert.equal(b.tun.at(-1)!.length, 97);
});
