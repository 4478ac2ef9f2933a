import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pair, ipv4Packet, ipv6Packet } from './harness.js';

test('smoke', () => {
  const { net, a, b } = pair();
  const p = ipv4Packet('10.0.0.1', '10.0.0.2', 16);
  a.tunIn(p);
  console.log(a.eventNames(), b.eventNames(), a.drops(), b.drops());
  assert.equal(b.tun.length, 1);
  assert.deepEqual(b.tun[0], p);
  const q = ipv6Packet('fd00::2', 'fd00::1', 100);
  b.tunIn(q);
  assert.deepEqual(a.tun[0], q);
  void net;
});
