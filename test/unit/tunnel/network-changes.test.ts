// Which `ip -o monitor` lines count as a network change (lines as iproute2 6.1 prints them),
// and the clock-jump test that tells a sleep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetlinkChangeFilter } from '../../../app/tunnel/watch/netlink-changes.js';
import { clockJump } from '../../../app/tunnel/watch/clock-jump.js';

const LINK_UP =
  '2: d0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 1a:80:6e:eb:01:1a brd ff:ff:ff:ff:ff:ff link-netnsid 0';
const LINK_DOWN =
  '2: d0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default \\    link/ether 1a:80:6e:eb:01:1a brd ff:ff:ff:ff:ff:ff link-netnsid 0';
const ADDR =
  '2: d0    inet 10.5.0.2/24 scope global d0\\       valid_lft forever preferred_lft forever';

test('links: a state change counts once; a repeat does not; removal counts', () => {
  const f = new NetlinkChangeFilter('tun0');
  assert.equal(f.classify(LINK_UP), 'link d0 UP');
  assert.equal(f.classify(LINK_UP), null, 'same flags and state again');
  assert.equal(f.classify(LINK_DOWN), 'link d0 DOWN');
  assert.equal(f.classify(`Deleted ${LINK_DOWN}`), 'link d0 removed');
});

test('addresses: new and removed count; a lifetime refresh of a known one does not', () => {
  const f = new NetlinkChangeFilter('tun0');
  assert.equal(f.classify(ADDR), 'address 10.5.0.2/24 added on d0');
  assert.equal(f.classify(ADDR), null);
  assert.equal(f.classify(`Deleted ${ADDR}`), 'address 10.5.0.2/24 removed from d0');
  assert.equal(
    f.classify('2: d0    inet6 fd55::2/64 scope global nodad \\       valid_lft forever'),
    'address fd55::2/64 added on d0',
  );
});

test('routes: only default routes count, and none through the tunnel itself', () => {
  const f = new NetlinkChangeFilter('tun0');
  assert.equal(f.classify('default via 10.5.0.3 dev d0 '), 'default route changed');
  assert.equal(f.classify('Deleted default via 10.5.0.3 dev d0 '), 'default route removed');
  assert.equal(
    f.classify('default via fe80::1 dev d0 proto ra metric 1024'),
    'default route changed',
  );
  assert.equal(f.classify('10.5.0.0/24 dev d0 proto kernel scope link src 10.5.0.2 '), null);
  assert.equal(f.classify('local 10.5.0.2 dev d0 table local proto kernel scope host'), null);
  assert.equal(f.classify('default dev tun0 table 51820 scope link '), null);
});

test("the tunnel's own link and addresses are not a change of the network", () => {
  const f = new NetlinkChangeFilter('tun0');
  assert.equal(f.classify('7: tun0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 state UNKNOWN'), null);
  assert.equal(f.classify('7: tun0    inet 10.200.0.2/24 scope global tun0'), null);
  assert.equal(f.classify(''), null);
  assert.equal(f.classify('garbage that is no netlink line'), null);
});

test('clockJump: the wall clock running ahead of the monotonic one is a sleep', () => {
  const before = { wall: 1_000_000, mono: 500 };
  assert.equal(clockJump(before, { wall: 1_002_000, mono: 2_500 }), 0, 'both moved 2 s');
  assert.equal(clockJump(before, { wall: 1_062_000, mono: 2_500 }), 60_000, 'slept a minute');
  assert.equal(clockJump(before, { wall: 1_006_000, mono: 2_500 }, 5_000), 0, 'under threshold');
  assert.equal(clockJump(before, { wall: 990_000, mono: 2_500 }), -12_000, 'time set back');
  // A blocked event loop delays both clocks alike.
  assert.equal(clockJump(before, { wall: 1_030_000, mono: 29_500 }), 0);
});
