// Transport data between paired devices: padding, keepalives, cryptokey routing both ways,
// the replay window (duplicates, reordering inside it, counters behind it), staging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { REPLAY_WINDOW_SIZE } from '../../../app/tunnel/wireguard/replay.js';
import { establish, ipv4Packet, ipv6Packet, pair, type Datagram } from './harness.js';

const transports = (sent: Datagram[]) => sent.filter((d) => d.data[0] === 4);

test('messages are padded to 16 bytes (never past the MTU); a keepalive is 32 bytes', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  for (const payload of [1, 15, 16, 17, 100]) {
    a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', payload));
    const inner = 20 + payload;
    const sent = transports(a.sent).at(-1)!;
    assert.equal(sent.data.length, 32 + Math.ceil(inner / 16) * 16, `inner ${inner}`);
    assert.equal(b.tun.at(-1)!.length, inner, 'padding removed by the inner length');
  }
  // A 1420-byte packet at MTU 1420 is not padded beyond it.
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 1400));
  assert.equal(transports(a.sent).at(-1)!.data.length, 32 + 1420);
  // B received data and sends nothing: after KEEPALIVE_TIMEOUT it sends a keepalive.
  net.advance(10_500);
  const keepalive = transports(b.sent).at(-1)!;
  assert.equal(keepalive.data.length, 32);
  assert.equal(a.tun.length, 0, 'a keepalive delivers nothing');
});

test('cryptokey routing: unknown destinations and forged inner sources are dropped', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  a.tunIn(ipv4Packet('10.0.0.1', '192.0.2.99', 10));
  assert.equal(a.drops()['no-route'], 1);
  // B only accepts sources in A's AllowedIPs (10.0.0.1/32, fd00::1/128).
  a.tunIn(ipv4Packet('10.0.0.77', '10.0.0.2', 10));
  a.tunIn(ipv6Packet('fd00::77', 'fd00::2', 10));
  assert.equal(b.drops()['source-not-allowed'], 2);
  assert.equal(b.tun.length, 1, 'only the packet from establish()');
});

test('a peer without an endpoint cannot be sent to', () => {
  const { a } = pair({ aKnowsBEndpoint: false });
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10));
  assert.equal(a.drops()['no-endpoint'], 1);
  assert.deepEqual(a.sent, []);
});

test('an exact duplicate is dropped as a replay', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const msg = transports(a.sent).at(-1)!;
  net.deliver(msg);
  net.deliver(msg);
  assert.equal(b.drops().replay, 2);
  assert.equal(b.tun.length, 1);
});

test('reordering inside the window is accepted; a counter behind the window is not', () => {
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
  assert.ok(REPLAY_WINDOW_SIZE >= 2048, 'window of at least 2048 counters');
});

test('packets wait (bounded) for the handshake and then go out in order', () => {
  const { net, a, b } = pair();
  net.filter = () => 'drop';
  for (let i = 0; i < 130; i++) a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', i + 1));
  assert.equal(a.drops()['queue-full'], 2, 'the two oldest of 130 made room');
  net.filter = () => 'deliver';
  net.advance(6_000); // the retransmitted initiation gets through
  assert.equal(b.tun.length, 128);
  assert.deepEqual(
    b.tun.map((p) => p.length - 20),
    Array.from({ length: 128 }, (_, i) => i + 3),
  );
});
