// Seeded randomised input: random datagrams and TUN packets, mutations of real captured
// messages, and a long run of two devices over a lossy, duplicating, reordering, corrupting
// network with clock jumps across every timer. Nothing may throw, every rejected input is
// counted, nothing forged or duplicated is delivered, and the tunnel recovers afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import {
  establish,
  ipv4Packet,
  ipv6Packet,
  pair,
  seededRandom,
  sentOfType,
  totalDrops,
  type Datagram,
  type Node,
} from './harness.js';

function u32From(random: (n: number) => Uint8Array): () => number {
  return () => {
    const b = random(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  };
}

function feed(node: Node, data: Uint8Array, from = { host: '192.0.2.1', port: 51820 }): Effect[] {
  const out: Effect[] = [];
  assert.doesNotThrow(() => {
    node.device.handleDatagram(data, from, node.net.now, out);
    node.device.handleHandshakes(node.net.now, out);
  });
  return out;
}

test('fuzz: 4000 random datagrams and 4000 random TUN packets; nothing throws, all counted', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const random = seededRandom(1234);
  const before = totalDrops(b);
  const tunBefore = b.tun.length;
  for (let i = 0; i < 4000; i++) {
    const [lenByte, typeByte] = random(2) as unknown as [number, number];
    const len = [0, 3, 4, 31, 32, 64, 92, 148, 200][lenByte % 9]!;
    const data = random(len);
    if (len > 0) data[0] = typeByte % 6;
    if (len > 3) data[1] = data[2] = data[3] = 0;
    assert.deepEqual(feed(b, data), []);
  }
  assert.equal(totalDrops(b) - before, 4000, 'every random datagram dropped and counted');
  assert.equal(b.tun.length, tunBefore);
  const aBefore = totalDrops(a);
  let sent = 0;
  for (let i = 0; i < 4000; i++) {
    const len = random(1)[0]! % 80;
    const p = random(len);
    // Half of them get a plausible version nibble, so routing is exercised too.
    if (len > 0 && i % 2 === 0) p[0] = (i % 4 === 0 ? 0x40 : 0x60) | (p[0]! & 0x0f);
    const out: Effect[] = [];
    assert.doesNotThrow(() => a.device.handleTunPacket(p, net.now, out));
    sent += out.filter((e) => e.type === 'udp').length;
  }
  // Whatever was not sent was counted.
  assert.equal(totalDrops(a) - aBefore + sent, 4000);
});

test('fuzz: 6000 mutations of real messages of every type are all dropped and counted', () => {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  establish(net, a, b);
  net.advance(6_000); // cookie, retry with mac2, response, transport
  for (let i = 0; i < 3; i++) b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 40 + i));
  const samples: [Node, Uint8Array][] = [
    [b, sentOfType(a, 1)[0]!.data],
    [b, sentOfType(a, 1).at(-1)!.data],
    [a, sentOfType(b, 2)[0]!.data],
    [a, sentOfType(b, 3)[0]!.data],
    [b, sentOfType(a, 4)[0]!.data],
    [a, sentOfType(b, 4).at(-1)!.data],
  ];
  const random = seededRandom(4321);
  const r32 = u32From(random);
  const tunBefore = [a.tun.length, b.tun.length];
  for (let i = 0; i < 6000; i++) {
    const [node, original] = samples[r32() % samples.length]!;
    let m = original.slice();
    const mutations = 1 + (r32() % 3);
    for (let j = 0; j < mutations; j++) {
      switch (r32() % 6) {
        case 0: // flip one bit
          if (m.length > 0) m[r32() % m.length]! ^= 1 << (r32() % 8);
          break;
        case 1: // overwrite a byte
          if (m.length > 0) m[r32() % m.length] = r32() & 0xff;
          break;
        case 2: // truncate
          m = m.subarray(0, r32() % (m.length + 1));
          break;
        case 3: {
          // extend with random bytes
          const longer = new Uint8Array(m.length + 1 + (r32() % 64));
          longer.set(m);
          longer.set(random(longer.length - m.length), m.length);
          m = longer;
          break;
        }
        case 4: // another type byte
          if (m.length > 0) m[0] = 1 + (r32() % 4);
          break;
        default: // a random field of 4 bytes (indices, counters, key material)
          if (m.length >= 8) m.set(random(4), 4 * (r32() % Math.floor(m.length / 4)));
      }
    }
    const before = totalDrops(node);
    const out = feed(node, m);
    assert.ok(!out.some((e) => e.type === 'tun'), `mutation ${i} delivered something`);
    // B is under load, so a handshake message may earn a cookie reply, but that message
    // is counted as dropped ('cookie-required') all the same.
    assert.equal(totalDrops(node) - before, 1, `mutation ${i} counted`);
  }
  assert.deepEqual([a.tun.length, b.tun.length], tunBefore);
});

test('chaos: lossy, duplicating, reordering, corrupting network with clock jumps', () => {
  const { net, a, b } = pair({ aPeer: { persistentKeepalive: 25 } });
  const random = seededRandom(777);
  const r32 = u32From(random);
  let nextId = 1;
  const inFlight = new Map<number, string>(); // id -> who sent it
  const delivered = new Set<number>();
  net.filter = (d: Datagram) => {
    const roll = r32() % 100;
    if (roll < 10) return 'drop';
    if (roll < 15) {
      net.held.push({ ...d, data: d.data.slice() }); // duplicate, delivered later
      return 'deliver';
    }
    if (roll < 25) return 'hold';
    if (roll < 28 && d.data.length > 0) {
      const bad = d.data.slice();
      bad[r32() % bad.length]! ^= 1 << (r32() % 8);
      net.held.push({ ...d, data: bad });
      return 'drop';
    }
    return 'deliver';
  };
  const send = (from: Node) => {
    const id = nextId++;
    const payload = new Uint8Array(8 + (r32() % 200));
    new DataView(payload.buffer).setUint32(0, id);
    const fromA = from === a;
    const p =
      r32() % 2 === 0
        ? ipv4Packet(fromA ? '10.0.0.1' : '10.0.0.2', fromA ? '10.0.0.2' : '10.0.0.1', payload)
        : ipv6Packet(fromA ? 'fd00::1' : 'fd00::2', fromA ? 'fd00::2' : 'fd00::1', payload);
    inFlight.set(id, from.name);
    from.tunIn(p);
  };
  const check = (to: Node) => {
    for (const p of to.tun.splice(0)) {
      const offset = p[0]! >> 4 === 4 ? 20 : 40;
      const id = new DataView(p.buffer, p.byteOffset + offset).getUint32(0);
      assert.ok(inFlight.has(id), `delivered packet ${id} was sent`);
      assert.notEqual(inFlight.get(id), to.name, 'not its own packet');
      assert.ok(!delivered.has(id), `packet ${id} delivered twice`);
      delivered.add(id);
    }
  };
  for (let step = 0; step < 1500; step++) {
    const what = r32() % 100;
    if (what < 35) send(a);
    else if (what < 70) send(b);
    else if (what < 85) {
      // release held datagrams in random order
      const held = net.held.splice(0);
      while (held.length > 0) net.deliver(held.splice(r32() % held.length, 1)[0]!);
      net.flush();
    } else if (what < 98) net.advance(r32() % 4_000);
    else net.advance(20_000 + (r32() % 200_000)); // across rekey, reject and keepalive times
    check(a);
    check(b);
  }
  assert.ok(delivered.size > 300, `plenty got through (${delivered.size} of ${nextId - 1})`);
  assert.ok(totalDrops(a) + totalDrops(b) > 0, 'the chaos was noticed');
  const sessions = [a, b].map(
    (n) => n.events.filter((e) => e.name === 'handshake-complete').length,
  );
  assert.ok(sessions[0]! + sessions[1]! >= 10, `many sessions came and went (${sessions})`);
  // Heal the network: both directions work again within a handshake's time.
  net.filter = () => 'deliver';
  net.held.length = 0;
  net.advance(30_000);
  send(a);
  send(b);
  net.advance(REKEY_RECOVERY);
  send(a);
  send(b);
  check(a);
  check(b);
  assert.ok(delivered.has(nextId - 1) && delivered.has(nextId - 2), 'the tunnel recovered');
});

/** Long enough for a stale session to be noticed and replaced (new-handshake timer + retry). */
const REKEY_RECOVERY = 20_000;
