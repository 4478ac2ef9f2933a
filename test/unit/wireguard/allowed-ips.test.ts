// Cryptokey routing table: longest-prefix match in both families, a prefix moving to the
// peer that claims it last (as `wg set` does), removal, and host bits ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllowedIps, canonicalPrefix } from '../../../app/tunnel/wireguard/allowed-ips.js';
import { cidr, ipBytes, ipv4Packet, ipv6Packet, Net, peerConfig } from './harness.js';

const look = (t: AllowedIps<string>, ip: string) => {
  const b = ipBytes(ip);
  return t.lookup(b, 0, b.length as 4 | 16);
};

test('longest prefix wins, IPv4 and IPv6, default routes included', () => {
  const t = new AllowedIps<string>();
  t.insert(cidr('0.0.0.0/0'), 'default4');
  t.insert(cidr('10.0.0.0/8'), 'ten');
  t.insert(cidr('10.1.0.0/16'), 'ten-one');
  t.insert(cidr('10.1.2.3/32'), 'host');
  t.insert(cidr('::/0'), 'default6');
  t.insert(cidr('fd00::/8'), 'ula');
  t.insert(cidr('fd00:1::/32'), 'ula-1');
  assert.equal(look(t, '10.1.2.3'), 'host');
  assert.equal(look(t, '10.1.2.4'), 'ten-one');
  assert.equal(look(t, '10.2.0.1'), 'ten');
  assert.equal(look(t, '192.0.2.1'), 'default4');
  assert.equal(look(t, 'fd00:1::5'), 'ula-1');
  assert.equal(look(t, 'fd00:2::5'), 'ula');
  assert.equal(look(t, '2001:db8::1'), 'default6');
});

test('a prefix claimed again moves to the new owner; removing an owner frees its prefixes', () => {
  const t = new AllowedIps<string>();
  t.insert(cidr('10.0.0.0/24'), 'a');
  t.insert(cidr('10.0.1.0/24'), 'a');
  t.insert(cidr('10.0.0.0/24'), 'b');
  assert.equal(look(t, '10.0.0.9'), 'b');
  assert.equal(look(t, '10.0.1.9'), 'a');
  t.removeValue('a');
  assert.equal(look(t, '10.0.1.9'), null);
  assert.equal(look(t, '10.0.0.9'), 'b');
});

test('host bits beyond the prefix length are ignored', () => {
  const t = new AllowedIps<string>();
  t.insert(cidr('10.9.8.7/16'), 'x');
  assert.equal(look(t, '10.9.0.1'), 'x');
  assert.equal(look(t, '10.10.0.1'), null);
});

test('prefixes are validated and canonicalised; each owner can list its own', () => {
  assert.throws(() => canonicalPrefix({ address: new Uint8Array(4), prefixLength: 33 }), /0\.\.32/);
  assert.throws(
    () => canonicalPrefix({ address: new Uint8Array(16), prefixLength: 129 }),
    /0\.\.128/,
  );
  assert.throws(() => canonicalPrefix({ address: new Uint8Array(3), prefixLength: 1 }), /4 or 16/);
  assert.throws(
    () => canonicalPrefix({ address: new Uint8Array(4), prefixLength: 1.5 }),
    /0\.\.32/,
  );
  assert.deepEqual(canonicalPrefix(cidr('10.9.8.7/12')), cidr('10.0.0.0/12'));
  assert.deepEqual(canonicalPrefix(cidr('fd00:1234:5678::1/20')), cidr('fd00:1000::/20'));
  const t = new AllowedIps<string>();
  for (const c of ['10.0.0.0/8', '192.168.1.1/32', 'fd00::/8', '::/0']) t.insert(cidr(c), 'x');
  t.insert(cidr('10.1.0.0/16'), 'y');
  const list = (v: string) =>
    t
      .prefixesOf(v)
      .map((p) => `${Buffer.from(p.address).toString('hex')}/${p.prefixLength}`)
      .sort();
  assert.deepEqual(list('x'), [
    '00000000000000000000000000000000/0',
    '0a000000/8',
    'c0a80101/32',
    'fd000000000000000000000000000000/8',
  ]);
  assert.deepEqual(list('y'), ['0a010000/16']);
});

test('the families are separate: an IPv4 default route does not catch IPv6, nor the reverse', () => {
  const t = new AllowedIps<string>();
  t.insert(cidr('0.0.0.0/0'), 'v4');
  assert.equal(look(t, '::1'), null);
  assert.equal(look(t, '10.0.0.1'), 'v4');
  const u = new AllowedIps<string>();
  u.insert(cidr('::/0'), 'v6');
  assert.equal(look(u, '10.0.0.1'), null);
  // IPv4-mapped IPv6 addresses are IPv6 to the table.
  assert.equal(look(u, '::ffff:a00:1'), 'v6');
});

test('in the device: a prefix given to another peer moves, for sending and for source checks', () => {
  const net = new Net();
  const a = net.addNode('a', { host: '192.0.2.1', port: 1 }, 1);
  const b = net.addNode('b', { host: '192.0.2.2', port: 2 }, 2);
  const c = net.addNode('c', { host: '192.0.2.3', port: 3 }, 3);
  a.device.addPeer(peerConfig(b, ['10.0.0.0/24', 'fd00:b::/64']));
  b.device.addPeer(peerConfig(a, ['10.0.1.1/32', 'fd00:a::/64']));
  c.device.addPeer(peerConfig(a, ['10.0.1.1/32']));
  a.tunIn(ipv4Packet('10.0.1.1', '10.0.0.5', 10));
  assert.equal(b.tun.length, 1, 'routed to B');
  // C claims 10.0.0.0/24 (and a more specific host route): B keeps only its IPv6 prefix.
  a.device.addPeer(peerConfig(c, ['10.0.0.0/24', '10.0.0.7/32']));
  a.tunIn(ipv4Packet('10.0.1.1', '10.0.0.5', 11));
  a.tunIn(ipv4Packet('10.0.1.1', '10.0.0.7', 12));
  assert.equal(c.tun.length, 2, 'both now go to C');
  assert.equal(b.tun.length, 1);
  // B may no longer send from 10.0.0.0/24 to A; from its IPv6 prefix it still may.
  b.tunIn(ipv4Packet('10.0.0.5', '10.0.1.1', 13));
  assert.equal(a.drops()['source-not-allowed'], 1);
  const v6 = ipv6Packet('fd00:b::5', 'fd00:a::1', 9);
  b.tunIn(v6);
  assert.deepEqual(a.tun, [v6]);
  a.device.removePeer(c.publicKey);
  a.tunIn(ipv4Packet('10.0.1.1', '10.0.0.5', 14));
  assert.equal(a.drops()['no-route'], 1, 'removing C did not hand the prefix back to B');
  assert.equal(a.tun.length, 1);
});
