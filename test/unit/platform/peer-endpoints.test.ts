// What start-up hands the platform about the peers' endpoints: the resolved IP literals
// with their family (Windows routes them around a full tunnel; Linux marks its socket).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerEndpoints } from '../../../app/platform/types.js';

test('resolved endpoints become address, family and port; peers without one are left out', () => {
  assert.deepEqual(
    peerEndpoints([
      { host: '203.0.113.5', port: 51820 },
      undefined,
      { host: '2001:db8::7', port: 443 },
      { host: 'not-resolved.example', port: 1 },
    ]),
    [
      { address: '203.0.113.5', family: 4, port: 51820 },
      { address: '2001:db8::7', family: 6, port: 443 },
    ],
  );
  assert.deepEqual(peerEndpoints([]), []);
});
