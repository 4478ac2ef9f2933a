// The translation between the core and the addon's native data path (app/tunnel/fast-path.ts):
// AllowedIPs in the addon's 18-byte layout, activity records in the core's terms, and the
// JS objects' and native threads' syscall counters added together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activityOf, addCounters, packPrefixes } from '../../../app/tunnel/fast-path.js';
import {
  FAST_PATH_ENDPOINT_MOVED,
  FAST_PATH_RECEIVED_ANY,
} from '../../../app/tunnel/wireguard/constants.js';

test('packPrefixes: family, prefix length, then 16 address bytes per prefix', () => {
  const v6 = new Uint8Array(16);
  v6[0] = 0xfd;
  v6[15] = 2;
  const packed = packPrefixes([
    { address: Uint8Array.of(10, 9, 0, 0), prefixLength: 16 },
    { address: v6, prefixLength: 128 },
  ]);
  assert.equal(packed.length, 36);
  assert.deepEqual([...packed.subarray(0, 6)], [4, 16, 10, 9, 0, 0]);
  assert.ok(
    packed.subarray(6, 18).every((b) => b === 0),
    'IPv4 padded with zeros',
  );
  assert.deepEqual([...packed.subarray(18, 20)], [6, 128]);
  assert.deepEqual(packed.subarray(20, 36), v6);
  assert.equal(packPrefixes([]).length, 0);
});

test('activityOf: an endpoint only with the moved flag and a full address', () => {
  const addr = Uint8Array.of(192, 0, 2, 7);
  const moved = activityOf({
    id: 3,
    flags: FAST_PATH_RECEIVED_ANY | FAST_PATH_ENDPOINT_MOVED,
    nextIndex: 0,
    addr,
    port: 51820,
  });
  assert.deepEqual(moved, {
    id: 3,
    flags: FAST_PATH_RECEIVED_ANY | FAST_PATH_ENDPOINT_MOVED,
    nextIndex: 0,
    endpoint: { host: '192.0.2.7', port: 51820 },
  });
  const v6 = new Uint8Array(16);
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[2] = 0x0d;
  v6[3] = 0xb8;
  v6[15] = 1;
  assert.deepEqual(
    activityOf({ id: 1, flags: FAST_PATH_ENDPOINT_MOVED, nextIndex: 0, addr: v6, port: 9 })
      .endpoint,
    { host: '2001:db8::1', port: 9 },
  );
  assert.equal(
    activityOf({ id: 3, flags: FAST_PATH_RECEIVED_ANY, nextIndex: 0, addr, port: 1 }).endpoint,
    null,
  );
  assert.equal(activityOf({ id: 3, flags: FAST_PATH_ENDPOINT_MOVED, nextIndex: 0 }).endpoint, null);
});

test('addCounters: numeric fields add up, the rest stays, null adds nothing', () => {
  const js = { reads: 10, packets: 20, gso: true, name: 'tun' };
  const native = { reads: 5, packets: 100, gso: false, name: 'x' };
  assert.deepEqual(addCounters(js, native), { reads: 15, packets: 120, gso: true, name: 'tun' });
  assert.equal(addCounters(js, null), js);
  assert.deepEqual(js, { reads: 10, packets: 20, gso: true, name: 'tun' }, 'inputs unchanged');
});
