// Noise_IKpsk2 between two paired devices on an in-memory network with a fake clock:
// both roles, preshared keys, refusals (unknown peer, stale timestamp, flood, low-order
// ephemeral, bad mac1, replayed responses), simultaneous starts, roaming.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePrivateKey } from '../../../app/tunnel/wireguard/keys.js';
import {
  establish,
  ipv4Packet,
  ipv6Packet,
  onlyPeer,
  pair,
  seededRandom,
  type Datagram,
} from './harness.js';
import { buildInitiation, mac1, TAI64N } from './reference.js';

const type = (d: Datagram) => d.data[0];

test('A initiates, B responds; data flows both ways in IPv4 and IPv6', () => {
  const { net, a, b } = pair();
  const p = establish(net, a, b);
  assert.deepEqual(b.tun, [p], 'B delivered the staged packet');
  assert.deepEqual(a.sent.map(type), [1, 4], 'A sent one initiation, then the staged packet');
  assert.deepEqual(b.sent.map(type), [2], 'B answered with one response');
  assert.ok(a.events.some((e) => e.name === 'handshake-complete' && e.role === 'initiator'));
  // B's keypair is only confirmed by A's first transport message.
  assert.ok(b.events.some((e) => e.name === 'handshake-complete' && e.role === 'responder'));

  const reply = ipv6Packet('fd00::2', 'fd00::1', 300);
  b.tunIn(reply);
  assert.deepEqual(a.tun, [reply]);
  const behind = ipv4Packet('10.9.3.4', '10.0.0.1', 40);
  b.tunIn(behind);
  assert.deepEqual(a.tun[1], behind, 'a source inside B’s allowed 10.9.0.0/16');
  assert.deepEqual(a.drops(), {});
  assert.deepEqual(b.drops(), {});
});

test('with matching preshared keys the handshake completes', () => {
  const psk = new Uint8Array(32).fill(7);
  const { net, a, b } = pair({ psk });
  const p = establish(net, a, b);
  assert.deepEqual(b.tun, [p]);
});

test('a mismatched preshared key never completes: the response fails to decrypt at A', () => {
  const { net, a, b } = pair({ psk: new Uint8Array(32).fill(7), pskB: new Uint8Array(32).fill(8) });
  establish(net, a, b);
  assert.deepEqual(b.tun, []);
  assert.equal(a.drops().decrypt, 1);
  assert.ok(!a.events.some((e) => e.name === 'handshake-complete'));
  // It keeps trying, and keeps failing, without ever delivering anything.
  net.advance(20_000);
  assert.deepEqual(b.tun, []);
  assert.ok(a.sent.filter((d) => type(d) === 1).length >= 4, 'retried');
});

test('an initiation from a peer the responder does not know is rejected without an answer', () => {
  const { net, a, b } = pair({ bKnowsA: false });
  establish(net, a, b);
  assert.equal(b.drops()['handshake-rejected'], 1);
  assert.deepEqual(b.sent, []);
});

test('a replayed initiation (stale TAI64N timestamp) is rejected', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const initiation = a.sent.find((d) => type(d) === 1)!;
  net.advance(1000);
  net.deliver(initiation);
  assert.equal(b.drops()['handshake-rejected'], 1);
  assert.equal(b.sent.filter((d) => type(d) === 2).length, 1, 'no second response');
});

test('simultaneous initiations from both sides converge on working sessions', () => {
  const { net, a, b } = pair();
  const fromA = ipv4Packet('10.0.0.1', '10.0.0.2', 20);
  const fromB = ipv4Packet('10.0.0.2', '10.0.0.1', 30);
  const outA: Parameters<typeof a.device.handleTunPacket>[2] = [];
  const outB: typeof outA = [];
  a.device.handleTunPacket(fromA, net.now, outA);
  b.device.handleTunPacket(fromB, net.now, outB);
  net.absorb(a, outA);
  net.absorb(b, outB);
  net.flush();
  // Each side answered the other's initiation, which replaced its own; both hold unconfirmed
  // responder sessions until the first retransmission (REKEY_TIMEOUT + jitter) settles it,
  // as in wireguard-go.
  net.advance(5_400);
  assert.deepEqual(b.tun, [fromA]);
  assert.deepEqual(a.tun, [fromB]);
  // And traffic keeps flowing afterwards in both directions.
  for (let i = 0; i < 5; i++) {
    a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 50 + i));
    b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 60 + i));
  }
  assert.equal(b.tun.length, 6);
  assert.equal(a.tun.length, 6);
});

test('roaming: an authenticated packet from a new address moves the peer’s endpoint', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  a.addr = { host: '203.0.113.9', port: 40000 };
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10));
  const moved = b.events.find((e) => e.name === 'endpoint-changed');
  assert.deepEqual(moved && 'endpoint' in moved ? moved.endpoint : null, a.addr);
  b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 10));
  assert.deepEqual(b.sent.at(-1)?.to, a.addr, 'replies go to the new address');
  assert.equal(a.tun.length, 1);
  // A forged packet from yet another address does not move it.
  net.deliver({
    from: { host: '198.18.0.1', port: 1 },
    to: b.addr,
    data: new Uint8Array(64).fill(4),
  });
  assert.equal(b.events.filter((e) => e.name === 'endpoint-changed').length, 1);
});

test('roles swapped: B initiates, A responds, and the events name each role', () => {
  const { net, a, b } = pair();
  const p = ipv6Packet('fd00::2', 'fd00::1', 64);
  b.tunIn(p);
  net.flush();
  assert.deepEqual(a.tun, [p]);
  assert.deepEqual(b.sent.map(type), [1, 4]);
  assert.deepEqual(a.sent.map(type), [2]);
  const complete = (n: typeof a) =>
    n.events.filter((e) => e.name === 'handshake-complete').map((e) => ('role' in e ? e.role : ''));
  assert.deepEqual(complete(b), ['initiator']);
  assert.deepEqual(complete(a), ['responder']);
  const stats = (n: typeof a) => n.device.stats().peers[0]!;
  assert.equal(stats(a).lastHandshake, net.now);
  assert.equal(stats(b).lastHandshake, net.now);
});

test('initiations closer together than 20 ms are refused as a flood, even when genuine', () => {
  const { net, a, b } = pair();
  const initiate = (ms: number) =>
    buildInitiation({
      staticPrivate: a.privateKey,
      responderPublic: b.publicKey,
      ephemeralPrivate: generatePrivateKey(seededRandom(ms)),
      senderIndex: 1234,
      timestamp: TAI64N(1_700_000_000_000 + ms),
    }).message;
  const responses = () => b.sent.filter((d) => type(d) === 2).length;
  net.deliver({ from: a.addr, to: b.addr, data: initiate(0) });
  assert.equal(responses(), 1);
  net.now += 20;
  net.deliver({ from: a.addr, to: b.addr, data: initiate(20) });
  assert.equal(responses(), 1, 'within HANDSHAKE_INITIATION_RATE');
  assert.equal(b.drops()['handshake-rejected'], 1);
  net.now += 1;
  net.deliver({ from: a.addr, to: b.addr, data: initiate(40) });
  assert.equal(responses(), 2, 'just past it');
});

test('an initiation with a low-order ephemeral key is refused before any answer', () => {
  const { net, a, b } = pair();
  net.filter = (d) => (type(d) === 1 ? 'hold' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 1));
  const forged = net.held[0]!.data.slice();
  forged.fill(0, 8, 40); // the ephemeral public key: the point 0
  forged.set(mac1(forged, b.publicKey), 116); // with a correct mac1, so it reaches the DH
  net.deliver({ from: a.addr, to: b.addr, data: forged });
  assert.equal(b.drops()['handshake-rejected'], 1);
  assert.equal(b.drops()['bad-mac'] ?? 0, 0);
  assert.deepEqual(b.sent, []);
});

test('a response is used once: a replayed or misaddressed response is dropped', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const response = b.sent.find((d) => type(d) === 2)!;
  const keypair = onlyPeer(a).keypairs.current;
  net.deliver(response);
  assert.equal(a.drops()['unknown-index'], 1, 'its index now names a session, not a handshake');
  assert.equal(onlyPeer(a).keypairs.current, keypair, 'the session is untouched');
  // Addressed to an index A never handed out (mac1 recomputed so only the index is wrong).
  const misaddressed = response.data.slice();
  misaddressed[8]! ^= 0x55;
  misaddressed.set(mac1(misaddressed, a.publicKey), 60);
  net.deliver({ ...response, data: misaddressed });
  assert.equal(a.drops()['unknown-index'], 2);
  assert.equal(a.events.filter((e) => e.name === 'handshake-complete').length, 1);
});

test('a handshake message with a wrong mac1 is dropped before any work, and counted', () => {
  const { net, a, b } = pair();
  net.filter = (d) => {
    if (type(d) === 1) d.data[120]! ^= 1;
    return 'deliver';
  };
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 1));
  assert.equal(b.drops()['bad-mac'], 1);
  assert.deepEqual(b.sent, []);
});

test('probePeers starts a handshake with no user traffic; with a session it sends a keepalive', () => {
  const { net, a, b } = pair();
  const out: Parameters<typeof a.device.probePeers>[1] = [];
  a.device.probePeers(net.now, out);
  net.absorb(a, out);
  net.flush();
  assert.ok(a.events.some((e) => e.name === 'handshake-complete' && e.role === 'initiator'));
  assert.ok(b.events.some((e) => e.name === 'handshake-complete' && e.role === 'responder'));
  assert.deepEqual(b.tun, [], 'a keepalive delivers nothing to the TUN device');
  const sentBefore = a.sent.length;
  net.now += 50;
  const again: typeof out = [];
  a.device.probePeers(net.now, again);
  net.absorb(a, again);
  net.flush();
  assert.deepEqual(
    a.sent.slice(sentBefore).map(type),
    [4],
    'an established session gets one keepalive, no new handshake',
  );
  assert.deepEqual(a.drops(), {});
  assert.deepEqual(b.drops(), {});
});
