// Under load the responder answers initiations with a cookie reply (XChaCha20-Poly1305)
// instead of doing Diffie-Hellman; the initiator stores the cookie and proves it with mac2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COOKIE_REPLY_SIZE, REKEY_TIMEOUT } from '../../../app/tunnel/wireguard/constants.js';
import { establish, ipv4Packet, pair } from './harness.js';

test('under load: a cookie reply first, then the retry with mac2 completes the handshake', () => {
  // Threshold 0: the responder is always under load.
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  const p = establish(net, a, b);
  const reply = b.sent.find((d) => d.data[0] === 3);
  assert.ok(reply, 'cookie reply sent');
  assert.equal(reply.data.length, COOKIE_REPLY_SIZE);
  assert.equal(b.drops()['cookie-required'], 1);
  assert.deepEqual(b.tun, [], 'no session yet');
  assert.equal(
    b.sent.filter((d) => d.data[0] === 2).length,
    0,
    'no response (no DH) before a valid mac2',
  );
  net.advance(REKEY_TIMEOUT + 400);
  assert.deepEqual(b.tun, [p], 'the retry carried a valid mac2');
  assert.equal(b.drops()['cookie-required'], 1, 'only the first attempt was turned away');
});

test('a tampered cookie reply is ignored and counted', () => {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  net.filter = (d) => {
    if (d.data[0] === 3) d.data[40]! ^= 1;
    return 'deliver';
  };
  establish(net, a, b);
  assert.equal(a.drops().decrypt, 1);
  net.advance(REKEY_TIMEOUT + 400);
  assert.deepEqual(b.tun, [], 'still no valid mac2');
});

test('a cookie reply for an index nobody uses is dropped', () => {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  establish(net, a, b);
  const reply = b.sent.find((d) => d.data[0] === 3)!;
  const forged = reply.data.slice();
  forged[4]! ^= 0xff;
  net.deliver({ ...reply, data: forged });
  assert.equal(a.drops()['unknown-index'], 1);
});

test('not under load: initiations are answered directly', () => {
  const { net, a, b } = pair();
  establish(net, a, b);
  assert.equal(b.sent.filter((d) => d.data[0] === 3).length, 0);
  assert.equal(b.tun.length, 1);
  a.tunIn(ipv4Packet('10.0.0.1', '10.0.0.2', 5));
  assert.equal(b.tun.length, 2);
});
