// Transport data between paired devices: padding, keepalives, cryptokey routing both ways,
// staging, effects that outlive the caller's buffers, endpoints, counters, peer removal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  openTransport,
  paddedLength,
  sealTransport,
  transportCounterHi,
  transportCounterLo,
} from '../../../app/tunnel/wireguard/transport.js';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { establish, ipv4Packet, ipv6Packet, pair, type Datagram } from './harness.js';
import { openData, sealData } from './reference.js';

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

test('paddedLength: multiples of 16, bounded by the MTU, as wireguard-go pads', () => {
  const cases: [number, number, number][] = [
    // [packet, mtu, padded]
    [0, 1420, 0],
    [1, 1420, 16],
    [16, 1420, 16],
    [17, 1420, 32],
    [1419, 1420, 1420], // would be 1424: capped at the MTU
    [1420, 1420, 1420],
    [1275, 1280, 1280],
    [1300, 1280, 1312], // beyond the MTU (GSO-sized): the remainder is padded
    [2560, 1280, 2560],
    [17, 0, 32], // MTU 0: unbounded
  ];
  for (const [packet, mtu, padded] of cases) {
    assert.equal(paddedLength(packet, mtu), padded, `${packet} at MTU ${mtu}`);
  }
});

test('the device pads up to its configured MTU, never past it', () => {
  const { net, a, b } = pair({ aExtra: { mtu: 1280 } });
  establish(net, a, b);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 1275 - 20));
  assert.equal(transports(a.sent).at(-1)!.data.length, 32 + 1280);
  assert.equal(b.tun.at(-1)!.length, 1275);
});

test('sealTransport / openTransport: pure, byte-exact with the reference, counters in the nonce', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i ^ 0x5a);
  const packet = ipv4Packet('10.1.1.1', '10.2.2.2', 27);
  const counter = (7n << 32n) + 0xfffffff0n;
  const sealed = sealTransport(key, 0xdeadbeef, 7, 0xfffffff0, packet, 48);
  const padded = new Uint8Array(48);
  padded.set(packet);
  assert.deepEqual(sealed, sealData(key, 0xdeadbeef, counter, padded));
  assert.equal(transportCounterHi(sealed), 7);
  assert.equal(transportCounterLo(sealed), 0xfffffff0);
  assert.deepEqual(openTransport(key, sealed), padded);
  assert.deepEqual(openData(key, sealed).plaintext, padded);
  // Every header and body byte is authenticated: the counter via the nonce, the rest by the tag.
  for (const i of [8, 12, 15, 16, 40, sealed.length - 1]) {
    const bad = sealed.slice();
    bad[i]! ^= 0x10;
    assert.equal(openTransport(key, bad), null, `byte ${i}`);
  }
  // The input is not kept: changing it afterwards changes nothing already sealed.
  const again = sealTransport(key, 1, 0, 0, packet, 48);
  packet.fill(0);
  assert.deepEqual(openTransport(key, again)!.subarray(0, 47), padded.subarray(0, 47));
});

test('effects outlive the buffers the caller passed in, which the caller may reuse', () => {
  const { net, a, b } = pair();
  // Staged before the handshake, from a buffer overwritten right after the call.
  const buffer = new Uint8Array(200);
  const first = ipv4Packet('10.0.0.1', '10.0.0.2', 30);
  net.filter = (d) => (d.data[0] === 1 ? 'hold' : 'deliver');
  buffer.set(first);
  a.tunIn(buffer.subarray(0, first.length));
  buffer.fill(0xee);
  // The initiation is handled from a buffer that is wiped afterwards.
  const initiation = net.held.splice(0)[0]!;
  const wire = initiation.data.slice();
  const out: Effect[] = [];
  b.device.handleDatagram(wire, initiation.from, net.now, out);
  wire.fill(0);
  // Queued, and worked only now, from the queue's own copy.
  b.device.handleHandshakes(net.now, out);
  net.absorb(b, out);
  net.filter = () => 'deliver';
  net.flush();
  assert.deepEqual(b.tun, [first], 'the staged copy, not the overwritten buffer');

  // Fast path: one TUN buffer, rewritten for each packet.
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) {
    const p = ipv4Packet('10.0.0.1', '10.0.0.2', 40 + i);
    buffer.set(p);
    a.device.handleTunPacket(buffer.subarray(0, p.length), net.now, out);
    sent.push(p);
    buffer.fill(i);
  }
  const datagrams = out
    .filter((e) => e.type === 'udp')
    .map((e) => (e as { data: Uint8Array }).data);
  out.length = 0;
  assert.equal(datagrams.length, 3);
  // Receive them all from one datagram buffer, rewritten for each.
  const rx = new Uint8Array(2048);
  for (const d of datagrams) {
    rx.set(d);
    b.device.handleDatagram(rx.subarray(0, d.length), a.addr, net.now, out);
    rx.fill(0x77);
  }
  const delivered = out
    .filter((e) => e.type === 'tun')
    .map((e) => (e as { packet: Uint8Array }).packet);
  assert.deepEqual(delivered, sent);
});

test('an IPv6 packet whose payload length exceeds what arrived is dropped as malformed', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const liar = ipv6Packet('fd00::1', 'fd00::2', 16);
  liar[4] = 0x01; // payload length 256 + 16
  a.tunIn(liar);
  assert.equal(b.drops().malformed, 1);
  const honest = ipv6Packet('fd00::1', 'fd00::2', 16);
  a.tunIn(honest);
  assert.deepEqual(b.tun.at(-1), honest);
});
