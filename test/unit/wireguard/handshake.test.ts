// Noise_IKpsk2 between two paired devices on an in-memory network with a fake clock:
// both roles, preshared keys, refusals, replayed initiations, simultaneous starts, roaming.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { establish, ipv4Packet, ipv6Packet, pair, type Datagram } from './harness.js';

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
