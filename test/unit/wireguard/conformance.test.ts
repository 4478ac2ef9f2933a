// The core against an independent implementation of the whitepaper (reference.ts, built on
// OpenSSL): every message the core sends is taken apart field by field, and every message the
// reference builds is accepted by the core. Both roles, with and without a preshared key, the
// cookie layer in both directions, and transport data with its exact padding and counters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COOKIE_REFRESH_TIME, REKEY_TIMEOUT } from '../../../app/tunnel/wireguard/constants.js';
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import { INITIAL_CHAIN_KEY, INITIAL_HASH } from '../../../app/tunnel/wireguard/noise.js';
import type { Effect, Endpoint, WgEvent } from '../../../app/tunnel/wireguard/types.js';
import { cidr, ipv4Packet, ipv6Packet, seededRandom } from './harness.js';
import {
  buildCookieReply,
  buildInitiation,
  buildResponse,
  CONSTRUCTION_HASH,
  DH_PUBKEY,
  HASH,
  IDENTIFIER_HASH,
  mac1,
  mac2,
  openCookieReply,
  openData,
  readInitiation,
  readResponse,
  sealData,
  TAI64N,
} from './reference.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const key = (fill: number) => {
  const k = new Uint8Array(32).map((_, i) => (fill * 31 + i * 7) & 0xff);
  k[0]! &= 248;
  k[31] = (k[31]! & 127) | 64;
  return k;
};
const WALL_START = 1_700_000_000_123;
const REF_ADDR: Endpoint = { host: '203.0.113.20', port: 40000 };

/** Zero-padding to a multiple of 16, which is what the core must put on the wire (MTU 1420). */
const padded16 = (p: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(p.length / 16) * 16);
  out.set(p);
  return out;
};

/** One device with the reference as its only peer; the clock is the test's. */
function deviceWithReferencePeer(
  opts: { psk?: Uint8Array; underLoadThreshold?: number; peerEndpoint?: boolean } = {},
) {
  const clock = { now: 5_000_000, wall: WALL_START };
  const refPrivate = key(2);
  const device = new WireGuardDevice({
    privateKey: key(1),
    randomBytes: seededRandom(99),
    now: clock.now,
    wallClock: () => clock.wall,
    ...(opts.underLoadThreshold !== undefined
      ? { underLoadThreshold: opts.underLoadThreshold }
      : {}),
  });
  device.addPeer({
    publicKey: DH_PUBKEY(refPrivate),
    ...(opts.peerEndpoint === false ? {} : { endpoint: { ...REF_ADDR } }),
    allowedIps: [cidr('10.0.0.2/32'), cidr('fd00::2/128')],
    ...(opts.psk ? { presharedKey: opts.psk } : {}),
  });
  const out: Effect[] = [];
  const udp = () =>
    out.filter((e) => e.type === 'udp').map((e) => e as { to: Endpoint; data: Uint8Array });
  const tun = () =>
    out.filter((e) => e.type === 'tun').map((e) => (e as { packet: Uint8Array }).packet);
  const events = () =>
    out.filter((e) => e.type === 'event').map((e) => (e as { event: WgEvent }).event);
  const advance = (ms: number) => {
    clock.now += ms;
    clock.wall += ms;
  };
  /** One datagram as a batch of its own: received, then the handshake budget worked. */
  const receive = (data: Uint8Array, from: Endpoint = REF_ADDR) => {
    device.handleDatagram(data, from, clock.now, out);
    device.handleHandshakes(clock.now, out);
  };
  return { device, clock, refPrivate, out, udp, tun, events, advance, receive };
}

test('the construction and identifier hashes are the published ones, in the core and the reference', () => {
  // C0 = HASH(CONSTRUCTION), H0 = HASH(C0 || IDENTIFIER), as every conforming implementation has them.
  const c0 = '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36';
  const h0 = '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3';
  assert.equal(hex(INITIAL_CHAIN_KEY), c0);
  assert.equal(hex(INITIAL_HASH), h0);
  assert.equal(hex(CONSTRUCTION_HASH), c0);
  assert.equal(hex(IDENTIFIER_HASH), h0);
});

for (const psk of [undefined, new Uint8Array(32).fill(0x5a)]) {
  const label = psk ? 'with a preshared key' : 'without a preshared key';

  test(`core as initiator, reference as responder (${label}): every field checks out`, () => {
    const d = deviceWithReferencePeer(psk ? { psk } : {});
    const first = ipv4Packet('10.0.0.1', '10.0.0.2', 45);
    d.device.handleTunPacket(first, d.clock.now, d.out);
    const [initiation] = d.udp();
    assert.ok(initiation, 'an initiation went out');
    assert.deepEqual(initiation.to, REF_ADDR);
    const msg = initiation.data;
    assert.equal(msg.length, 148);
    assert.deepEqual([...msg.subarray(0, 4)], [1, 0, 0, 0], 'type 1, reserved zero');
    assert.equal(hex(msg.subarray(132)), '00'.repeat(16), 'no cookie yet: mac2 is zero');
    // The reference decrypts it with nothing but its own private key (mac1 checked inside).
    const read = readInitiation(d.refPrivate, msg);
    assert.equal(hex(read.initiatorPublic), hex(d.device.publicKey));
    assert.equal(hex(read.timestamp), hex(TAI64N(WALL_START)), 'TAI64N of the wall clock');
    assert.notEqual(read.senderIndex, 0);

    const { message: response, keys } = buildResponse({
      read,
      ephemeralPrivate: key(3),
      senderIndex: 0x01020304,
      ...(psk ? { psk } : {}),
    });
    d.out.length = 0;
    d.advance(7);
    d.receive(response, REF_ADDR);
    assert.deepEqual(
      d.events().map((e) => e.name),
      ['handshake-complete'],
    );
    // The staged packet goes out on the new session: counter 0, to the reference's index.
    const [data] = d.udp();
    assert.ok(data);
    assert.equal(data.data.length, 16 + padded16(first).length + 16);
    const opened = openData(keys.receive, data.data);
    assert.equal(opened.receiverIndex, 0x01020304);
    assert.equal(opened.counter, 0n);
    assert.equal(hex(opened.plaintext), hex(padded16(first)), 'zero padding to 16');

    // Data from the reference is delivered without its padding; a keepalive delivers nothing.
    d.out.length = 0;
    const reply = ipv6Packet('fd00::2', 'fd00::1', 23);
    d.receive(sealData(keys.send, read.senderIndex, 0n, padded16(reply)), REF_ADDR);
    d.receive(sealData(keys.send, read.senderIndex, 1n, new Uint8Array(0)), REF_ADDR);
    assert.deepEqual(d.tun().map(hex), [hex(reply)]);
    // Counters keep counting on the core's side.
    d.out.length = 0;
    d.device.handleTunPacket(ipv4Packet('10.0.0.1', '10.0.0.2', 3), d.clock.now, d.out);
    assert.equal(openData(keys.receive, d.udp()[0]!.data).counter, 1n);
    assert.deepEqual(
      Object.entries(d.device.stats().drops).filter(([, n]) => n > 0),
      [],
      'nothing dropped',
    );
  });

  test(`reference as initiator, core as responder (${label}): every field checks out`, () => {
    const d = deviceWithReferencePeer({ ...(psk ? { psk } : {}), peerEndpoint: false });
    const { message, state } = buildInitiation({
      staticPrivate: d.refPrivate,
      responderPublic: d.device.publicKey,
      ephemeralPrivate: key(4),
      senderIndex: 0xa1b2c3d4,
      timestamp: TAI64N(WALL_START),
      ...(psk ? { psk } : {}),
    });
    d.receive(message, REF_ADDR);
    const [response] = d.udp();
    assert.ok(response, 'answered');
    assert.deepEqual(response.to, REF_ADDR, 'to where the initiation came from');
    assert.equal(response.data.length, 92);
    assert.deepEqual([...response.data.subarray(0, 4)], [2, 0, 0, 0]);
    assert.equal(hex(response.data.subarray(76)), '00'.repeat(16), 'mac2 zero');
    const { keys, senderIndex } = readResponse(state, response.data);
    assert.ok(
      d.events().some((e) => e.name === 'endpoint-changed'),
      'the endpoint was learned from the authenticated initiation',
    );
    assert.ok(!d.events().some((e) => e.name === 'handshake-complete'), 'not before confirmation');

    // Until the initiator confirms the session, the responder does not send on it.
    d.out.length = 0;
    const outbound = ipv4Packet('10.0.0.1', '10.0.0.2', 60);
    d.device.handleTunPacket(outbound, d.clock.now, d.out);
    assert.deepEqual(d.udp(), []);

    const inbound = ipv4Packet('10.0.0.2', '10.0.0.1', 17);
    d.receive(sealData(keys.send, senderIndex, 0n, padded16(inbound)), REF_ADDR);
    assert.deepEqual(d.tun().map(hex), [hex(inbound)]);
    assert.ok(d.events().some((e) => e.name === 'handshake-complete' && e.role === 'responder'));
    const [staged] = d.udp();
    assert.ok(staged, 'the staged packet followed the confirmation');
    const opened = openData(keys.receive, staged.data);
    assert.equal(opened.receiverIndex, 0xa1b2c3d4);
    assert.equal(opened.counter, 0n);
    assert.equal(hex(opened.plaintext), hex(padded16(outbound)));
  });
}

test('core as responder under load: cookie reply to the reference, then its mac2 is accepted', () => {
  const d = deviceWithReferencePeer({ underLoadThreshold: 0 });
  const initiate = (timestampMs: number, from: Endpoint, cookie?: Uint8Array) => {
    d.out.length = 0;
    const built = buildInitiation({
      staticPrivate: d.refPrivate,
      responderPublic: d.device.publicKey,
      ephemeralPrivate: key(5),
      senderIndex: 0x0badcafe,
      timestamp: TAI64N(timestampMs),
      ...(cookie ? { cookie } : {}),
    });
    d.receive(built.message, from);
    return built;
  };

  const first = initiate(WALL_START, REF_ADDR);
  const [reply] = d.udp();
  assert.ok(reply, 'a cookie reply');
  assert.deepEqual(reply.to, REF_ADDR);
  assert.equal(reply.data.length, 64);
  assert.deepEqual([...reply.data.subarray(0, 8)], [3, 0, 0, 0, 0xfe, 0xca, 0xad, 0x0b]);
  const cookie = openCookieReply(reply.data, d.device.publicKey, first.message.subarray(116, 132));
  assert.equal(cookie.length, 16);

  // The cookie is bound to the source address and port: same source, same cookie...
  d.advance(1_000);
  const again = initiate(WALL_START + 1_000, REF_ADDR);
  const cookieAgain = openCookieReply(
    d.udp()[0]!.data,
    d.device.publicKey,
    again.message.subarray(116, 132),
  );
  assert.equal(hex(cookieAgain), hex(cookie));
  // ...another port, another cookie.
  const elsewhere = initiate(WALL_START + 1_000, { ...REF_ADDR, port: REF_ADDR.port + 1 });
  const otherCookie = openCookieReply(
    d.udp()[0]!.data,
    d.device.publicKey,
    elsewhere.message.subarray(116, 132),
  );
  assert.notEqual(hex(otherCookie), hex(cookie));

  // A wrong cookie earns another cookie reply, not a response.
  d.advance(1_000);
  initiate(WALL_START + 2_000, REF_ADDR, otherCookie);
  assert.deepEqual(
    d.udp().map((u) => u.data[0]),
    [3],
  );

  // The right one gets the handshake answered.
  d.advance(1_000);
  const proven = initiate(WALL_START + 3_000, REF_ADDR, cookie);
  assert.equal(hex(proven.message.subarray(132)), hex(mac2(proven.message, cookie)));
  const [response] = d.udp();
  assert.ok(response && response.data[0] === 2, 'a response');
  readResponse(proven.state, response.data);
  assert.equal(d.device.stats().drops['cookie-required'], 4, 'every reply counted');
});

test('core as initiator: it stores a cookie from the reference and proves it with mac2 for 120 s', () => {
  const d = deviceWithReferencePeer();
  const refPublic = DH_PUBKEY(d.refPrivate);
  d.device.handleTunPacket(ipv4Packet('10.0.0.1', '10.0.0.2', 5), d.clock.now, d.out);
  const initiation = d.udp()[0]!.data;
  const cookie = new Uint8Array(16).map((_, i) => 200 - i);
  const reply = buildCookieReply({
    receiverIndex: Buffer.from(initiation).readUInt32LE(4),
    responderPublic: refPublic,
    cookie,
    nonce: new Uint8Array(24).fill(9),
    receivedMac1: initiation.subarray(116, 132),
  });
  d.out.length = 0;
  d.receive(reply, REF_ADDR);
  assert.deepEqual(d.out, [], 'a cookie reply causes no output of its own');
  assert.equal(d.device.stats().drops.decrypt, 0, 'it authenticated');

  // The retransmission after REKEY_TIMEOUT carries mac2 = MAC(cookie, message up to mac2).
  d.advance(REKEY_TIMEOUT + 400);
  d.out.length = 0;
  d.device.handleTimers(d.clock.now, d.out);
  const retry = d.udp()[0]!.data;
  assert.equal(hex(retry.subarray(116, 132)), hex(mac1(retry, refPublic)));
  assert.equal(hex(retry.subarray(132)), hex(mac2(retry, cookie)));

  // Once the cookie is older than COOKIE_REFRESH_TIME, the next retry goes without it.
  d.advance(COOKIE_REFRESH_TIME);
  d.out.length = 0;
  d.device.handleTimers(d.clock.now, d.out);
  const late = d.udp().find((u) => u.data[0] === 1)!.data;
  assert.equal(hex(late.subarray(116, 132)), hex(mac1(late, refPublic)));
  assert.equal(hex(late.subarray(132)), '00'.repeat(16));
  // A forged reply (wrong key) is refused and changes nothing.
  const forged = buildCookieReply({
    receiverIndex: Buffer.from(late).readUInt32LE(4),
    responderPublic: HASH(refPublic),
    cookie,
    nonce: new Uint8Array(24),
    receivedMac1: late.subarray(116, 132),
  });
  d.receive(forged, REF_ADDR);
  assert.equal(d.device.stats().drops.decrypt, 1);
});

test('the core rejects a reference initiation whose timestamp is not newer than the last', () => {
  const d = deviceWithReferencePeer();
  const send = (ms: number, ephemeral: number) => {
    d.out.length = 0;
    d.advance(100);
    const { message } = buildInitiation({
      staticPrivate: d.refPrivate,
      responderPublic: d.device.publicKey,
      ephemeralPrivate: key(ephemeral),
      senderIndex: 7,
      timestamp: TAI64N(ms),
    });
    d.receive(message, REF_ADDR);
    return d.udp().length;
  };
  assert.equal(send(WALL_START, 6), 1);
  assert.equal(send(WALL_START, 7), 0, 'equal timestamp: a replay');
  assert.equal(send(WALL_START - 60_000, 8), 0, 'older timestamp');
  assert.equal(send(WALL_START + 17, 9), 1, 'newer, even by a whitened step (2^24 ns)');
  assert.equal(d.device.stats().drops['handshake-rejected'], 2);
});
