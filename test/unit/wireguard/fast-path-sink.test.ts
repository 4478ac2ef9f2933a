// The core's contract with a fast path (FastPathSink): what the device publishes (peers,
// AllowedIPs, endpoints, keypairs after every slot change), how it sends through the sink,
// and how it takes the sink's activity reports (timers, confirming a responder's keypair,
// roaming, rekeying). A recording sink stands in for the addon here and seals with
// transport.ts, so what it sends must open on a plain JavaScript peer; the addon's own side
// is tested in test/unit/native and end to end in test/integration/data-path.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FAST_PATH_ENDPOINT_MOVED,
  FAST_PATH_NEXT_USED,
  FAST_PATH_RECEIVED_ANY,
  FAST_PATH_RECEIVED_DATA,
  FAST_PATH_REKEY_MESSAGES,
} from '../../../app/tunnel/wireguard/constants.js';
import { sealTransport } from '../../../app/tunnel/wireguard/transport.js';
import type {
  Cidr,
  DropReason,
  Endpoint,
  FastPathSink,
  KeypairView,
} from '../../../app/tunnel/wireguard/types.js';
import {
  ipv4Packet,
  onlyPeer,
  pair,
  peerConfig,
  peersOf,
  sentOfType,
  type Net,
  type Node,
} from './harness.js';

interface Published {
  send: KeypairView | null;
  receiving: readonly KeypairView[];
  next: KeypairView | null;
}

class RecordingSink implements FastPathSink {
  readonly peers = new Map<number, { endpoint: Endpoint | null; allowedIps: readonly Cidr[] }>();
  readonly keypairs = new Map<number, Published>();
  readonly removed: number[] = [];
  readonly transmitted: { id: number; length: number; padded: number }[] = [];
  private readonly counters = new Map<number, number>();
  /** A keypair the addon's clock already finds expired: transmit refuses it. */
  expiredIndex = -1;
  /** Where transmitted messages go: set once the network exists. */
  wire: ((id: number, message: Uint8Array) => void) | null = null;

  setPeer(id: number, endpoint: Endpoint | null, allowedIps: readonly Cidr[]): void {
    this.peers.set(id, { endpoint: endpoint && { ...endpoint }, allowedIps: [...allowedIps] });
  }
  removePeer(id: number): void {
    this.peers.delete(id);
    this.keypairs.delete(id);
    this.removed.push(id);
  }
  setKeypairs(
    id: number,
    send: KeypairView | null,
    receiving: readonly KeypairView[],
    next: KeypairView | null,
  ): void {
    this.keypairs.set(id, { send, receiving: [...receiving], next });
    // The addon takes over the send counter from what the core had used.
    if (send) this.counters.set(id, send.sendCounterLo);
  }
  transmit(id: number, packet: Uint8Array, padded: number): boolean {
    const send = this.keypairs.get(id)?.send;
    if (!send || send.localIndex === this.expiredIndex) return false;
    const counter = this.counters.get(id)!;
    this.counters.set(id, counter + 1);
    this.transmitted.push({ id, length: packet.length, padded });
    this.wire?.(id, sealTransport(send.sendKey, send.remoteIndex, 0, counter, packet, padded));
    return true;
  }
  peerCounters(): { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number } {
    return { rxBytes: 1000, rxPackets: 10, txBytes: 0, txPackets: 0 };
  }
  drops(): Partial<Record<DropReason, number>> {
    return { replay: 3 };
  }
}

/** A pair whose A (or B) carries a recording sink wired into the in-memory network. */
function withSink(side: 'a' | 'b'): { net: Net; a: Node; b: Node; sink: RecordingSink } {
  const sink = new RecordingSink();
  const { net, a, b } = pair(
    side === 'a' ? { aExtra: { fastPath: sink } } : { bExtra: { fastPath: sink } },
  );
  const from = side === 'a' ? a : b;
  const to = side === 'a' ? b : a;
  sink.wire = (_id, message) => {
    net.deliver({ from: { ...from.addr }, to: { ...to.addr }, data: message });
    net.flush();
  };
  return { net, a, b, sink };
}

test('adding and removing a peer publishes its endpoint and AllowedIPs, then its removal', () => {
  const { a, sink } = withSink('a');
  const peer = onlyPeer(a);
  const published = sink.peers.get(peer.id);
  assert.ok(published, 'the peer was published under its id');
  assert.deepEqual(published.endpoint, { host: '198.51.100.2', port: 51821 });
  assert.deepEqual(
    published.allowedIps.map((c) => `${c.address.join('.')}/${c.prefixLength}`),
    ['10.0.0.2/32', '10.9.0.0/16', `${[0xfd, ...new Array(14).fill(0), 2].join('.')}/128`],
  );
  a.device.setPeerEndpoint(peer.remoteStatic, { host: '198.51.100.9', port: 4000 });
  assert.deepEqual(sink.peers.get(peer.id)?.endpoint, { host: '198.51.100.9', port: 4000 });
  a.device.removePeer(peer.remoteStatic);
  assert.deepEqual(sink.removed, [peer.id]);
});

test('a prefix taken by a newer peer is not given back when the older one is republished', () => {
  const { net, a, sink } = withSink('a');
  const older = onlyPeer(a);
  const c = net.addNode('c', { host: '203.0.113.3', port: 51822 }, 3);
  a.device.addPeer(peerConfig(c, ['10.9.0.0/16', '10.0.0.3/32']));
  const newer = peersOf(a.device).find((p) => p !== older)!;
  const listed = (id: number) =>
    sink.peers.get(id)?.allowedIps.map((x) => `${x.address.join('.')}/${x.prefixLength}`) ?? [];
  assert.deepEqual(listed(newer.id), ['10.9.0.0/16', '10.0.0.3/32']);
  // An endpoint change republishes the older peer: 10.9.0.0/16 stays with the newer one.
  a.device.setPeerEndpoint(older.remoteStatic, { host: '198.51.100.9', port: 4000 });
  assert.equal(listed(older.id).includes('10.9.0.0/16'), false, listed(older.id).join(' '));
  assert.ok(listed(older.id).includes('10.0.0.2/32'));
});

test('as initiator: the completed handshake publishes a send keypair, and data goes through the sink', () => {
  const { net, a, b, sink } = withSink('a');
  const peer = onlyPeer(a);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  net.flush();
  const published = sink.keypairs.get(peer.id);
  assert.ok(published?.send, 'a send keypair after the handshake');
  const bKeypair = onlyPeer(b).keypairs.next ?? onlyPeer(b).keypairs.current;
  assert.ok(bKeypair);
  assert.deepEqual(
    published.send.sendKey,
    bKeypair.receiveKey,
    'A sends with what B receives with',
  );
  assert.equal(published.send.remoteIndex, bKeypair.localIndex);
  assert.equal(published.next, null, "the initiator's keypair needs no confirmation");
  assert.ok(published.receiving.includes(published.send));
  // The staged first packet and every later one leave through the sink and open at B.
  b.tun.length = 0;
  for (let i = 0; i < 5; i++) a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 100 + i));
  assert.ok(sink.transmitted.length >= 6, `sent ${sink.transmitted.length} through the sink`);
  assert.equal(sentOfType(a, 4).length, 0, 'no transport message from the core itself');
  assert.equal(b.tun.length, 5, 'B decrypted every packet the sink sealed');
  assert.deepEqual(
    b.tun.map((p) => p.length),
    [120, 121, 122, 123, 124],
  );
  const stats = a.device.stats();
  assert.equal(stats.drops.replay, 3, "the sink's drops are added to the core's");
  assert.equal(stats.peers[0]!.rxPackets >= 10, true, "the sink's counters are added");
});

test('as responder: an activity report naming the next keypair confirms it and publishes it to send', () => {
  const { net, a, b, sink } = withSink('b');
  const peer = onlyPeer(b);
  // A's first data message confirms B's keypair in the core; hold it so only the report can.
  net.filter = (d) => (d.data[0] === 4 ? 'drop' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  net.flush();
  const pending = sink.keypairs.get(peer.id);
  assert.ok(pending?.next, 'the unconfirmed keypair is published for receiving');
  assert.equal(pending.send, null, 'and may not send yet');
  assert.ok(pending.receiving.includes(pending.next));
  assert.equal(b.eventNames().includes('handshake-complete'), false);

  // A report for another index changes nothing.
  b.device.fastPathActivity(
    {
      id: peer.id,
      flags: FAST_PATH_RECEIVED_ANY | FAST_PATH_NEXT_USED,
      nextIndex: pending.next.localIndex ^ 1,
      endpoint: null,
    },
    net.now,
    [],
  );
  assert.equal(sink.keypairs.get(peer.id)?.send, null);

  const out: Parameters<typeof b.device.handleTimers>[1] = [];
  b.device.fastPathActivity(
    {
      id: peer.id,
      flags: FAST_PATH_RECEIVED_ANY | FAST_PATH_RECEIVED_DATA | FAST_PATH_NEXT_USED,
      nextIndex: pending.next.localIndex,
      endpoint: null,
    },
    net.now,
    out,
  );
  net.absorb(b, out);
  const confirmed = sink.keypairs.get(peer.id);
  assert.equal(confirmed?.send?.localIndex, pending.next.localIndex, 'the keypair now sends');
  assert.equal(confirmed.next, null);
  assert.ok(b.eventNames().includes('handshake-complete'));
});

test("a roaming report moves the core's endpoint; a rekey report starts a handshake", () => {
  const { net, a, b, sink } = withSink('b');
  const peer = onlyPeer(b);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  net.flush();
  const setPeerCalls = sink.peers.get(peer.id);
  const out: Parameters<typeof b.device.handleTimers>[1] = [];
  b.device.fastPathActivity(
    {
      id: peer.id,
      flags: FAST_PATH_RECEIVED_ANY | FAST_PATH_ENDPOINT_MOVED,
      nextIndex: 0,
      endpoint: { host: '192.0.2.77', port: 6000 },
    },
    net.now,
    out,
  );
  net.absorb(b, out);
  const changed = b.events.find((e) => e.name === 'endpoint-changed');
  assert.ok(changed && changed.name === 'endpoint-changed');
  assert.deepEqual(changed.endpoint, { host: '192.0.2.77', port: 6000 });
  assert.deepEqual(b.device.stats().peers[0]!.endpoint, { host: '192.0.2.77', port: 6000 });
  // The addon already sends there; the core does not republish what it learned from it.
  assert.equal(sink.peers.get(peer.id), setPeerCalls);

  // Past REKEY_TIMEOUT since B's handshake response, so an initiation may go out.
  net.advance(6000);
  const initiationsBefore = sentOfType(b, 1).length;
  b.device.fastPathActivity(
    { id: peer.id, flags: FAST_PATH_REKEY_MESSAGES, nextIndex: 0, endpoint: null },
    net.now,
    out,
  );
  net.absorb(b, out);
  assert.equal(sentOfType(b, 1).length, initiationsBefore + 1, 'a new initiation');
  // Reports for peers that no longer exist are ignored.
  b.device.fastPathActivity({ id: 999, flags: 0xff, nextIndex: 0, endpoint: null }, net.now, out);
  assert.equal(out.length, 0);
});

test('a packet the sink refuses is kept for the next session, which a new handshake brings', () => {
  const { net, a, b, sink } = withSink('a');
  const peer = onlyPeer(a);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 16));
  const old = sink.keypairs.get(peer.id)?.send;
  assert.ok(old);
  // Past REKEY_TIMEOUT, so a new initiation may go out at once.
  net.advance(6000);
  sink.expiredIndex = old.localIndex;
  b.tun.length = 0;
  const initiations = sentOfType(a, 1).length;
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 200));
  assert.equal(sentOfType(a, 1).length, initiations + 1, 'the refusal started a handshake');
  const now = sink.keypairs.get(peer.id)?.send;
  assert.ok(now && now.localIndex !== old.localIndex, 'a new send keypair was published');
  assert.deepEqual(
    b.tun.map((p) => p.length),
    [220],
    'the refused packet arrived with the new keypair',
  );
  assert.equal(a.device.stats().drops.expired, 0, 'nothing was dropped');
});
