// Cryptokey routing table: longest-prefix match in both families, a prefix moving to the
// peer that claims it last (as `wg set` does), removal, and host bits ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllowedIps } from '../../../app/tunnel/wireguard/allowed-ips.js';
import { cidr, ipBytes } from './harness.js';

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
