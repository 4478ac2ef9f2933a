// The configuration surface of WireGuardDevice: what addPeer refuses (with short messages that
// never carry key material), removePeer erasing a peer's secrets and sessions,
// setPeerEndpoint, and the counters stats() reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEEPALIVE_TIMEOUT, REKEY_TIMEOUT } from '../../../app/tunnel/wireguard/constants.js';
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import {
  encodeKey,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '../../../app/tunnel/wireguard/keys.js';
import type { PeerConfig } from '../../../app/tunnel/wireguard/types.js';
import {
  cidr,
  establish,
  ipv4Packet,
  onlyPeer,
  pair,
  peersOf,
  seededRandom,
  sentOfType,
} from './harness.js';

const random = seededRandom(11);
const PRIVATE = generatePrivateKey(random);
const PEER_PUBLIC = publicKeyFromPrivate(generatePrivateKey(random));
const PSK = random(32);
const device = () =>
  new WireGuardDevice({ privateKey: PRIVATE, randomBytes: seededRandom(1), now: 0 });
const valid = (): PeerConfig => ({
  publicKey: PEER_PUBLIC,
  presharedKey: PSK,
  endpoint: { host: '192.0.2.1', port: 51820 },
  allowedIps: [cidr('10.0.0.0/24')],
  persistentKeepalive: 25,
});

/** Throws with a short message that contains no base64 or hex of any key involved. */
function refuses(f: () => void, pattern: RegExp, why: string): void {
  const secrets = [PRIVATE, PEER_PUBLIC, PSK].flatMap((k) => [
    encodeKey(k).slice(0, 12),
    Buffer.from(k).toString('hex').slice(0, 12),
  ]);
  assert.throws(
    f,
    (e: unknown) => {
      assert.ok(e instanceof Error, why);
      assert.match(e.message, pattern, why);
      assert.ok(e.message.length < 80, `${why}: short`);
      for (const s of secrets) assert.ok(!e.message.includes(s), `${why}: leaks key material`);
      return true;
    },
    why,
  );
}

test('addPeer accepts a valid peer and refuses a duplicate', () => {
  const d = device();
  d.addPeer(valid());
  assert.equal(d.stats().peers.length, 1);
  assert.equal(d.stats().peers[0]!.publicKey, encodeKey(PEER_PUBLIC));
  refuses(() => d.addPeer(valid()), /already exists/, 'duplicate');
});

test('addPeer refuses bad keys: wrong lengths, low-order points, our own key', () => {
  const d = device();
  const lowOrder = [
    new Uint8Array(32),
    Uint8Array.from(
      Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
    ),
    Uint8Array.from(
      Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'),
    ),
  ];
  for (const [i, publicKey] of lowOrder.entries()) {
    refuses(() => d.addPeer({ ...valid(), publicKey }), /low-order/, `low-order ${i}`);
  }
  refuses(
    () => d.addPeer({ ...valid(), publicKey: PEER_PUBLIC.subarray(0, 31) }),
    /32 bytes/,
    'short key',
  );
  refuses(() => d.addPeer({ ...valid(), publicKey: new Uint8Array(33) }), /32 bytes/, 'long key');
  refuses(() => d.addPeer({ ...valid(), presharedKey: PSK.subarray(1) }), /32 bytes/, 'short psk');
  refuses(
    () => d.addPeer({ ...valid(), publicKey: publicKeyFromPrivate(PRIVATE) }),
    /own key/,
    'own key',
  );
  assert.equal(d.stats().peers.length, 0, 'nothing half-added');
});

test('addPeer refuses bad endpoints, prefixes and keepalive intervals', () => {
  const d = device();
  const cases: [Partial<PeerConfig>, RegExp, string][] = [
    [{ endpoint: { host: 'vpn.example.com', port: 51820 } }, /IPv4 or IPv6/, 'host name'],
    [{ endpoint: { host: '', port: 51820 } }, /IPv4 or IPv6/, 'empty host'],
    [{ endpoint: { host: '192.0.2.1', port: 0 } }, /port/, 'port 0'],
    [{ endpoint: { host: '192.0.2.1', port: 65536 } }, /port/, 'port 65536'],
    [{ endpoint: { host: '192.0.2.1', port: 1.5 } }, /port/, 'fractional port'],
    [{ allowedIps: [{ address: new Uint8Array(4), prefixLength: 33 }] }, /prefix length/, '/33'],
    [{ allowedIps: [{ address: new Uint8Array(16), prefixLength: -1 }] }, /prefix length/, '/-1'],
    [
      { allowedIps: [{ address: new Uint8Array(5), prefixLength: 8 }] },
      /4 or 16 bytes/,
      'length 5',
    ],
    [{ persistentKeepalive: -1 }, /keepalive/, 'negative keepalive'],
    [{ persistentKeepalive: 65536 }, /keepalive/, 'huge keepalive'],
  ];
  for (const [change, pattern, why] of cases) {
    refuses(() => d.addPeer({ ...valid(), ...change }), pattern, why);
  }
  assert.equal(d.stats().peers.length, 0);
  // IPv6 endpoints, with or without a zone, are fine.
  d.addPeer({ ...valid(), endpoint: { host: 'fe80::1%eth0', port: 1 } });
  assert.deepEqual(d.stats().peers[0]!.endpoint, { host: 'fe80::1%eth0', port: 1 });
});

test('the constructor refuses a bad private key, clock, MTU or load threshold', () => {
  const base = { privateKey: PRIVATE, now: 0 };
  refuses(
    () => new WireGuardDevice({ ...base, privateKey: PRIVATE.subarray(2) }),
    /32 bytes/,
    'key',
  );
  refuses(() => new WireGuardDevice({ ...base, now: Number.NaN }), /now/, 'now');
  refuses(() => new WireGuardDevice({ ...base, mtu: 70_000 }), /mtu/, 'mtu');
  refuses(() => new WireGuardDevice({ ...base, underLoadThreshold: -3 }), /threshold/, 'threshold');
});

test('the device keeps its own copies of configured keys', () => {
  const d = device();
  const config = valid();
  const publicKey = config.publicKey.slice();
  const psk = config.presharedKey!.slice();
  d.addPeer({ ...config, publicKey, presharedKey: psk });
  publicKey.fill(1);
  psk.fill(2);
  const [peer] = peersOf(d);
  assert.deepEqual(peer!.remoteStatic, PEER_PUBLIC);
  assert.deepEqual(peer!.presharedKey, PSK);
});

test('removePeer zeroes its keys and sessions; its indices and routes are gone', () => {
  const { net, a, b } = pair({ psk: new Uint8Array(32).fill(3) });
  establish(net, a, b);
  const peer = onlyPeer(b);
  const keypair = peer.keypairs.current!;
  assert.ok(keypair.receiveKey.some((x) => x !== 0));
  b.device.removePeer(a.publicKey);
  assert.deepEqual(keypair.sendKey, new Uint8Array(32));
  assert.deepEqual(keypair.receiveKey, new Uint8Array(32));
  assert.deepEqual(peer.presharedKey, new Uint8Array(32));
  assert.deepEqual(peer.staticStatic, new Uint8Array(32));
  assert.equal(b.device.stats().peers.length, 0);
  assert.equal(b.device.nextDeadline(), null, 'no timers left behind');
  // Traffic for the removed peer finds neither a session nor a route.
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 8));
  assert.equal(b.drops()['unknown-index'], 1);
  b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 8));
  assert.equal(b.drops()['no-route'], 1);
  refuses(() => b.device.removePeer(a.publicKey), /no such peer/, 'removed twice');
  // It can be added back and shake hands afresh.
  b.device.addPeer({
    publicKey: a.publicKey,
    presharedKey: new Uint8Array(32).fill(3),
    allowedIps: [cidr('10.0.0.1/32')],
  });
  // A still uses the session B forgot: its data gets no answer, so after
  // KEEPALIVE_TIMEOUT + REKEY_TIMEOUT it shakes hands again.
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 9));
  assert.equal(b.drops()['unknown-index'], 2);
  net.advance(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + 400);
  assert.equal(b.events.filter((e) => e.name === 'handshake-complete').length, 2);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10));
  assert.equal(b.tun.at(-1)?.length, 30);
});

test('setPeerEndpoint redirects the next packets; bad endpoints are refused', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const moved = { host: '2001:db8::77', port: 4500 };
  a.device.setPeerEndpoint(b.publicKey, moved);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 3));
  assert.deepEqual(a.sent.at(-1)!.to, moved);
  assert.deepEqual(a.device.stats().peers[0]!.endpoint, moved);
  refuses(
    () => a.device.setPeerEndpoint(b.publicKey, { host: 'x', port: 1 }),
    /IPv4 or IPv6/,
    'host',
  );
  refuses(
    () => a.device.setPeerEndpoint(new Uint8Array(32).fill(9), moved),
    /no such peer/,
    'unknown peer',
  );
});

test('stats count datagrams and their bytes in both directions, handshakes included', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  for (let i = 0; i < 3; i++) b.tunIn(ipv4Packet('10.0.0.2', '10.0.0.1', 100));
  const [pa] = a.device.stats().peers;
  const [pb] = b.device.stats().peers;
  const bytes = (list: { data: Uint8Array }[]) => list.reduce((n, d) => n + d.data.length, 0);
  assert.equal(pa!.txPackets, a.sent.length);
  assert.equal(pa!.txBytes, bytes(a.sent));
  assert.equal(pb!.txPackets, b.sent.length);
  assert.equal(pb!.txBytes, bytes(b.sent));
  // Everything each sent was received and authenticated by the other.
  assert.equal(pa!.rxPackets, b.sent.length);
  assert.equal(pa!.rxBytes, bytes(b.sent));
  assert.equal(pb!.rxPackets, a.sent.length);
  assert.equal(pb!.rxBytes, bytes(a.sent));
  assert.equal(sentOfType(b, 4).length, 3);
});
