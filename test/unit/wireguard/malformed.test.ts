// Bad input of every kind: truncated, oversized, retyped, random and bit-flipped messages of
// each type, and broken TUN packets. Each is dropped and counted; nothing throws out of the
// core; nothing forged is ever delivered. (Randomised inputs are in fuzz.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { establish, ipv4Packet, pair, totalDrops, type Node } from './harness.js';

/** Feeds `data` to `node` as if from its peer; returns what came out. */
function feed(node: Node, data: Uint8Array, from = { host: '192.0.2.1', port: 51820 }): Effect[] {
  const out: Effect[] = [];
  assert.doesNotThrow(() => {
    node.device.handleDatagram(data, from, node.net.now, out);
    node.device.handleHandshakes(node.net.now, out);
  });
  return out;
}

/** One real message of each type, captured from a handshake under load and a data packet. */
function captured() {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  establish(net, a, b);
  net.advance(6_000);
  const first = (n: Node, t: number) => n.sent.find((d) => d.data[0] === t)!.data;
  return {
    a,
    b,
    initiation: first(a, 1),
    response: first(b, 2),
    cookie: first(b, 3),
    transport: first(a, 4),
  };
}

test('every message type: truncated, one byte longer, and retyped are dropped as malformed', () => {
  const m = captured();
  const cases: [Node, Uint8Array][] = [
    [m.b, m.initiation],
    [m.a, m.response],
    [m.a, m.cookie],
    [m.b, m.transport],
  ];
  for (const [node, msg] of cases) {
    const before = node.device.stats().drops.malformed;
    const longer = new Uint8Array(msg.length + 1);
    longer.set(msg);
    const retyped = msg.slice();
    retyped[0] = 9;
    const reserved = msg.slice();
    reserved[1] = 1; // the three reserved bytes must be zero
    const transport = msg[0] === 4;
    // Transport messages have no fixed length: one byte more or less is a decryption
    // failure (checked below), while anything under the 32-byte minimum is malformed.
    const variants = transport
      ? [msg.subarray(0, 31), retyped, reserved, new Uint8Array(0), msg.subarray(0, 3)]
      : [
          msg.subarray(0, msg.length - 1),
          longer,
          retyped,
          reserved,
          new Uint8Array(0),
          msg.subarray(0, 3),
        ];
    if (transport) {
      const decryptBefore = node.device.stats().drops.decrypt;
      assert.deepEqual(feed(node, msg.subarray(0, msg.length - 1)), []);
      assert.deepEqual(feed(node, longer), []);
      assert.equal(node.device.stats().drops.decrypt - decryptBefore, 2);
    }
    for (const v of variants) assert.deepEqual(feed(node, v), [], `type ${msg[0]} variant`);
    assert.equal(node.device.stats().drops.malformed - before, variants.length, `type ${msg[0]}`);
  }
});

test('a bit flip anywhere in any message is caught (MACs, AEAD tags, indices)', () => {
  const m = captured();
  const cases: [Node, Uint8Array][] = [
    [m.b, m.initiation],
    [m.a, m.response],
    [m.a, m.cookie],
    [m.b, m.transport],
  ];
  for (const [node, msg] of cases) {
    const tunBefore = node.tun.length;
    const before = totalDrops(node);
    let fed = 0;
    // Skip the type byte (covered above): flip one bit of every other byte.
    for (let i = 4; i < msg.length; i++) {
      const bad = msg.slice();
      bad[i]! ^= 1 << (i % 8);
      const out = feed(node, bad);
      fed++;
      assert.ok(!out.some((e) => e.type === 'tun'), `type ${msg[0]} byte ${i}: nothing delivered`);
    }
    assert.equal(node.tun.length, tunBefore);
    assert.equal(totalDrops(node) - before, fed, `type ${msg[0]}: every variant counted`);
  }
});

test('broken TUN packets are dropped as malformed', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const good = ipv4Packet('10.0.0.1', '10.0.0.2', 10);
  const v5 = good.slice();
  v5[0] = 0x55;
  const bad = [
    new Uint8Array(0),
    new Uint8Array(1),
    v5,
    good.subarray(0, 12),
    new Uint8Array(70_000).fill(0x45),
  ];
  const before = a.device.stats().drops.malformed;
  for (const p of bad) {
    const out: Effect[] = [];
    assert.doesNotThrow(() => a.device.handleTunPacket(p, net.now, out));
    assert.deepEqual(out, []);
  }
  assert.equal(a.device.stats().drops.malformed - before, bad.length);
});

test('decrypted packets whose IP header lies about their length are dropped', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const liar = ipv4Packet('10.0.0.1', '10.0.0.2', 10);
  liar[2] = 0x10; // total length 4096, far beyond the packet
  a.tunIn(liar);
  assert.equal(b.drops().malformed, 1);
  assert.equal(b.tun.length, 1);
});
