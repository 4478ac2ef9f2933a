// Transport crypto handed to the caller (DeviceOptions.transportCrypto): the core frames and
// counts, the caller seals and opens, completeOpen finishes in the caller's order. Checked
// against the inline path, and for sessions that vanish while a message is in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTransport, sealTransport } from '../../../app/tunnel/wireguard/transport.js';
import type {
  Effect,
  Endpoint,
  OpenTicket,
  TransportCryptoSink,
} from '../../../app/tunnel/wireguard/types.js';
import { establish, ipv4Packet, Net, peerConfig, type Node } from './harness.js';

interface PendingOpen {
  key: Uint8Array;
  data: Uint8Array;
  from: Endpoint;
  ticket: OpenTicket;
}

/** A sink that does the crypto later, when told to, like a worker pool would. */
function deferredSink(net: Net, node: () => Node) {
  const opens: PendingOpen[] = [];
  const sink: TransportCryptoSink = {
    seal: (to, key, receiverIndex, hi, lo, packet, padded) => {
      const data = sealTransport(key, receiverIndex, hi, lo, packet.slice(), padded);
      const n = node();
      n.sent.push({ from: { ...n.addr }, to, data });
      net.deliver({ from: { ...n.addr }, to, data });
    },
    open: (key, data, from, ticket) =>
      opens.push({ key: key.slice(), data: data.slice(), from, ticket }),
  };
  const finish = () => {
    const out: Effect[] = [];
    for (const o of opens.splice(0)) {
      node().device.completeOpen(
        o.ticket,
        o.data,
        openTransport(o.key, o.data),
        o.from,
        net.now,
        out,
      );
    }
    net.absorb(node(), out);
  };
  return { sink, opens, finish };
}

function offloadedPair() {
  const net = new Net();
  let bNode: Node | undefined;
  const deferred = deferredSink(net, () => bNode!);
  const a = net.addNode('a', { host: '192.0.2.1', port: 51820 }, 1);
  const b = net.addNode('b', { host: '198.51.100.2', port: 51821 }, 2, {
    transportCrypto: deferred.sink,
  });
  bNode = b;
  a.device.addPeer(peerConfig(b, ['10.0.0.2/32']));
  b.device.addPeer(peerConfig(a, ['10.0.0.1/32']));
  return { net, a, b, ...deferred };
}

test('offloaded opens are finished by completeOpen and deliver exactly what inline would', () => {
  const { net, a, b, opens, finish } = offloadedPair();
  const first = establish(net, a, b);
  assert.equal(opens.length, 1, 'the transport message waits for the caller');
  assert.equal(b.tun.length, 0);
  finish();
  assert.deepEqual(b.tun, [first]);
  for (let i = 0; i < 5; i++) a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10 + i));
  finish();
  assert.deepEqual(
    b.tun.map((p) => p.length),
    [36, 30, 31, 32, 33, 34],
  );
  // Replies sealed by the caller reach A and decrypt there (A does its crypto inline).
  b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 99));
  assert.equal(a.tun.at(-1)?.length, 119);
});

test('duplicates are refused before any crypto work, and again after it', () => {
  const { net, a, b, opens, finish } = offloadedPair();
  establish(net, a, b);
  finish();
  const msg = a.sent.filter((d) => d.data[0] === 4).at(-1)!;
  net.deliver(msg);
  assert.equal(opens.length as number, 0, 'already-seen counter: no job queued');
  assert.equal(b.drops().replay, 1);
  // Two copies of a new message queued before either is finished: the second loses.
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 5));
  net.deliver(a.sent.at(-1)!);
  assert.equal(opens.length as number, 2);
  finish();
  assert.equal(b.tun.length, 2);
  assert.equal(b.drops().replay, 2);
});

test('a message whose session was erased while in flight is dropped, not delivered', () => {
  const { net, a, b, opens, finish } = offloadedPair();
  establish(net, a, b);
  finish();
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 7));
  assert.equal(opens.length, 1);
  b.device.removePeer(a.publicKey); // zeroes its keys
  finish();
  assert.equal(b.tun.length, 1, 'only the first packet');
  assert.equal(b.drops().expired, 1);
});

test('completeOpen with only the 16-byte header counts the whole datagram in stats', () => {
  const { net, a, b, opens } = offloadedPair();
  establish(net, a, b);
  for (let i = 0; i < 3; i++) a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 100 + i));
  const out: Effect[] = [];
  let wireBytes = 0;
  for (const o of opens.splice(0)) {
    wireBytes += o.data.length;
    const header = o.data.slice(0, 16);
    b.device.completeOpen(o.ticket, header, openTransport(o.key, o.data), o.from, net.now, out);
  }
  net.absorb(b, out);
  assert.equal(b.tun.length, 4);
  const handshakeBytes = a.sent
    .filter((d) => d.data[0] === 1)
    .reduce((n, d) => n + d.data.length, 0);
  assert.equal(b.device.stats().peers[0]!.rxBytes, handshakeBytes + wireBytes);
});
