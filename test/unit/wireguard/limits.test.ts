// The message-count limits, which no test can reach by sending 2^60 packets: the session's
// counter is moved close to the limit, then real traffic crosses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  REJECT_AFTER_MESSAGES_HI,
  REJECT_AFTER_MESSAGES_LO,
  REKEY_AFTER_MESSAGES_HI,
} from '../../../app/tunnel/wireguard/constants.js';
import type { Keypair } from '../../../app/tunnel/wireguard/keypair.js';
import { ReplayFilter } from '../../../app/tunnel/wireguard/replay.js';
import { establish, ipv4Packet, pair, type Node } from './harness.js';

/** A's current keypair towards B (reached through the private peer table, on purpose). */
function currentKeypair(node: Node): Keypair {
  const peers = node.device['peers'] as Map<string, { keypairs: { current: Keypair | null } }>;
  const [peer] = [...peers.values()];
  assert.ok(peer?.keypairs.current);
  return peer.keypairs.current;
}

const initiations = (n: Node) => n.sent.filter((d) => d.data[0] === 1).length;

test('REKEY_AFTER_MESSAGES: sending past 2^60 messages starts a new handshake', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(6_000); // past the one-initiation-per-REKEY_TIMEOUT limit
  const kp = currentKeypair(a);
  kp.sendCounterHi = REKEY_AFTER_MESSAGES_HI;
  kp.sendCounterLo = 0;
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 10));
  assert.equal(initiations(a), 2, 'rekey started');
  assert.equal(b.tun.length, 2, 'the packet itself still went out and was accepted');
});

test('REJECT_AFTER_MESSAGES: the last counters are never used; packets wait for a new session', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  net.advance(6_000);
  const kp = currentKeypair(a);
  kp.sendCounterHi = REJECT_AFTER_MESSAGES_HI;
  kp.sendCounterLo = REJECT_AFTER_MESSAGES_LO - 1;
  net.filter = (d) => (d.data[0] === 1 ? 'hold' : 'deliver');
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 11)); // the last usable counter
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 12)); // must wait
  assert.equal(b.tun.length, 2);
  assert.ok(kp.sendExhausted());
  net.filter = () => 'deliver';
  for (const d of net.held.splice(0)) net.deliver(d);
  net.flush();
  assert.equal(b.tun.length, 3, 'delivered once the new session exists');
  assert.equal(b.tun[2]!.length, 32);
});

test('the replay filter refuses counters at or beyond REJECT_AFTER_MESSAGES', () => {
  const f = new ReplayFilter();
  assert.equal(f.validate(REJECT_AFTER_MESSAGES_HI, REJECT_AFTER_MESSAGES_LO), false);
  assert.equal(f.validate(REJECT_AFTER_MESSAGES_HI, 0xffffffff), false);
  assert.equal(f.validate(REJECT_AFTER_MESSAGES_HI, REJECT_AFTER_MESSAGES_LO - 1), true);
  assert.equal(f.validate(REJECT_AFTER_MESSAGES_HI, REJECT_AFTER_MESSAGES_LO - 1), false);
  // Far below the newest: outside the window.
  assert.equal(f.validate(0, 5), false);
});
