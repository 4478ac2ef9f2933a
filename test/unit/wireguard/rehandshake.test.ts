// WireGuardDevice.rehandshake: a handshake at once after a network change, session or not,
// spaced so a flapping network cannot flood the peer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FORCED_HANDSHAKE_SPACING } from '../../../app/tunnel/wireguard/device.js';
import type { Effect } from '../../../app/tunnel/wireguard/types.js';
import { establish, pair, sentOfType } from './harness.js';

test('rehandshake starts a new handshake over a live session, which completes', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  const before = sentOfType(a, 1).length;
  net.now += 2000;
  const out: Effect[] = [];
  assert.equal(a.device.rehandshake(net.now, out), 1);
  net.absorb(a, out);
  net.flush();
  assert.equal(sentOfType(a, 1).length, before + 1, 'one initiation sent');
  assert.equal(a.events.filter((e) => e.name === 'handshake-complete').length, 2);
});

test('forced handshakes are spaced; a new endpoint may waive the spacing', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.now += 2000;
  const out: Effect[] = [];
  assert.equal(a.device.rehandshake(net.now, out), 1);
  net.now += FORCED_HANDSHAKE_SPACING - 1;
  assert.equal(a.device.rehandshake(net.now, out), 0, 'too soon after the last one');
  assert.equal(a.device.rehandshake(net.now, out, { publicKey: b.publicKey, spacingMs: 0 }), 1);
  net.now += FORCED_HANDSHAKE_SPACING;
  assert.equal(a.device.rehandshake(net.now, out), 1);
});

test('a peer without an endpoint is left alone', () => {
  const { net, a } = pair({ aKnowsBEndpoint: false });
  const out: Effect[] = [];
  assert.equal(a.device.rehandshake(net.now, out), 0);
  assert.equal(out.length, 0);
});
