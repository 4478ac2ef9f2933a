// Under load the responder answers initiations with a cookie reply (XChaCha20-Poly1305)
// instead of doing Diffie-Hellman; the initiator stores the cookie and proves it with mac2.
// Also: the per-source rate limit and the rotation of Rm. When "under load" starts and ends,
// and the queue around it, are in handshake-queue.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COOKIE_REFRESH_TIME,
  COOKIE_REPLY_SIZE,
  REKEY_TIMEOUT,
} from '../../../app/tunnel/wireguard/constants.js';
import type { HandshakeAdmission } from '../../../app/tunnel/wireguard/admission.js';
import { CookieChecker } from '../../../app/tunnel/wireguard/cookie.js';
import { endpointBytes } from '../../../app/tunnel/wireguard/ip.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../app/tunnel/wireguard/keys.js';
import { Ratelimiter } from '../../../app/tunnel/wireguard/ratelimiter.js';
import { establish, ipv4Packet, pair, seededRandom, sentOfType } from './harness.js';
import { mac1, mac2, openCookieReply } from './reference.js';

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

test('the initiator puts mac2 on its retry only after it holds a cookie', () => {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  establish(net, a, b);
  net.advance(REKEY_TIMEOUT + 400);
  const [first, retry] = sentOfType(a, 1);
  assert.ok(first && retry);
  assert.ok(
    first.data.subarray(132).every((x) => x === 0),
    'first initiation: mac2 zero',
  );
  assert.ok(
    retry.data.subarray(132).some((x) => x !== 0),
    'retry: mac2 set',
  );
  // The response B sent back to A carries no mac2: A is not under load and holds no cookie.
  const response = sentOfType(b, 2)[0]!;
  assert.ok(response.data.subarray(76).every((x) => x === 0));
});

test('Ratelimiter: bursts of 5 then 20 per second per source; IPv6 sources share a /64', () => {
  const r = new Ratelimiter(0);
  const t = 1_000;
  const burst = Array.from({ length: 6 }, () => r.allow('192.0.2.1', t));
  assert.deepEqual(burst, [true, true, true, true, true, false]);
  assert.equal(r.allow('192.0.2.2', t), true, 'another source has its own bucket');
  assert.equal(r.allow('192.0.2.1', t + 49), false, 'tokens come back at 20 per second');
  assert.equal(r.allow('192.0.2.1', t + 50), true);
  assert.equal(r.allow('192.0.2.1', t + 50), false);
  for (let i = 0; i < 5; i++) assert.equal(r.allow('2001:db8:1:2::1', t), true);
  assert.equal(r.allow('2001:db8:1:2:ffff::9', t), false, 'same /64');
  assert.equal(r.allow('2001:db8:1:3::1', t), true, 'next /64');
  // Idle sources are forgotten and start with a full burst again.
  assert.equal(r.allow('192.0.2.1', t + 10_000), true);
});

test('under load, valid mac2 from one source is still rate limited per source', () => {
  const { net, a, b } = pair({ bExtra: { underLoadThreshold: 0 } });
  establish(net, a, b);
  net.advance(REKEY_TIMEOUT + 400); // A now holds a cookie; the session is up
  assert.equal(b.tun.length, 1);
  const admission = b.device['admission'] as HandshakeAdmission;
  const checker = admission['checker'] as CookieChecker;
  const source = endpointBytes(a.addr.host, a.addr.port);
  const withMac2 = sentOfType(a, 1).at(-1)!;
  assert.ok(checker.checkMac2(withMac2.data, source, net.now), 'its mac2 is valid');
  const rejectedBefore = b.device.stats().drops['handshake-rejected'];
  // Replays of it pass mac1 and mac2 but only a burst gets past the rate limiter (the rest
  // are then refused as stale timestamps, which is counted under the same reason).
  for (let i = 0; i < 10; i++) net.deliver(withMac2);
  assert.equal(b.device.stats().drops['handshake-rejected'] - rejectedBefore, 10);
  assert.equal(sentOfType(b, 2).length, 1, 'no new response for replays');
  const limiter = admission['handshakeRate'] as Ratelimiter;
  assert.equal(limiter.allow(a.addr.host, net.now), false, 'the bucket is empty');
});

test('cookie secret Rm rotates after 2 minutes: old cookies stop validating mac2', () => {
  const random = seededRandom(3);
  const responder = generatePrivateKey(random);
  const responderPublic = publicKeyFromPrivate(responder);
  const checker = new CookieChecker(responderPublic);
  const source = endpointBytes('203.0.113.5', 4444);
  const t0 = 50_000;
  // A (fake) initiation with a valid mac1 is all createReply needs.
  const message = random(148);
  message.set(mac1(message, responderPublic), 116);
  const reply = checker.createReply(message, 7, source, t0, random);
  const cookie = openCookieReply(reply, responderPublic, message.subarray(116, 132));
  const proven = message.slice();
  proven.set(mac2(proven, cookie), 132);
  assert.equal(checker.checkMac2(proven, source, t0), true);
  assert.equal(checker.checkMac2(proven, source, t0 + COOKIE_REFRESH_TIME), true);
  assert.equal(
    checker.checkMac2(proven, endpointBytes('203.0.113.5', 4445), t0),
    false,
    'bound to the source port',
  );
  assert.equal(checker.checkMac2(proven, source, t0 + COOKIE_REFRESH_TIME + 1), false, 'expired');
  const fresh = openCookieReply(
    checker.createReply(message, 7, source, t0 + COOKIE_REFRESH_TIME + 1, random),
    responderPublic,
    message.subarray(116, 132),
  );
  assert.notDeepEqual(fresh, cookie, 'a new Rm gives a new cookie');
  assert.equal(checker.checkMac2(proven, source, t0 + COOKIE_REFRESH_TIME + 2), false);
  proven.set(mac2(proven, fresh), 132);
  assert.equal(checker.checkMac2(proven, source, t0 + COOKIE_REFRESH_TIME + 2), true);
  // mac1 is checked against our own public key.
  assert.equal(checker.checkMac1(message), true);
  message[5]! ^= 1;
  assert.equal(checker.checkMac1(message), false);
});
