// Known-answer tests of the primitives the core is built on, with the published vectors
// (RFC 8439, draft-irtf-cfrg-xchacha, RFC 7748, RFC 7693 and the BLAKE2 reference KATs),
// cross-checked against OpenSSL through node:crypto where it has the algorithm.
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2s } from '@noble/hashes/blake2.js';
import {
  aeadOpenZeroNonce,
  aeadSealZeroNonce,
  dh,
  dhPublic,
  hash,
  hmac,
  isUsablePublicKey,
  kdf,
  mac,
  tai64n,
  tai64nAfter,
  xaeadOpen,
  xaeadSeal,
} from '../../../app/tunnel/wireguard/crypto.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../app/tunnel/wireguard/keys.js';
import { seededRandom } from './harness.js';
import { DH } from './reference.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const SUNSCREEN = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const KEY_80_9F = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
const AAD = hex('50515253c0c1c2c3c4c5c6c7');

test('ChaCha20-Poly1305: RFC 8439 §2.8.2, and OpenSSL agrees', () => {
  const nonce = hex('070000004041424344454647');
  const sealed = chacha20poly1305(KEY_80_9F, nonce, AAD).encrypt(SUNSCREEN);
  const expected = hex(`
    d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
    3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
    92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b6116
    1ae10b594f09e26a7e902ecbd0600691`);
  assert.equal(toHex(sealed), toHex(expected));
  const c = createCipheriv('chacha20-poly1305', KEY_80_9F, nonce, { authTagLength: 16 });
  c.setAAD(AAD, { plaintextLength: SUNSCREEN.length });
  const openssl = Buffer.concat([c.update(SUNSCREEN), c.final(), c.getAuthTag()]);
  assert.equal(toHex(openssl), toHex(expected));
  assert.deepEqual(chacha20poly1305(KEY_80_9F, nonce, AAD).decrypt(sealed), SUNSCREEN);
  sealed[0]! ^= 1;
  assert.throws(() => chacha20poly1305(KEY_80_9F, nonce, AAD).decrypt(sealed));
});

test('XChaCha20-Poly1305: draft-irtf-cfrg-xchacha A.3.1', () => {
  const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const sealed = xchacha20poly1305(KEY_80_9F, nonce, AAD).encrypt(SUNSCREEN);
  const expected = hex(`
    bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
    731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
    2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
    21f9664c97637da9768812f615c68b13b52e
    c0875924c1c7987947deafd8780acf49`);
  assert.equal(toHex(sealed), toHex(expected));
  // The core's wrappers give the same bytes, and report forgeries as null instead of throwing.
  assert.equal(toHex(xaeadSeal(KEY_80_9F, nonce, SUNSCREEN, AAD)), toHex(expected));
  assert.deepEqual(xaeadOpen(KEY_80_9F, nonce, expected, AAD), SUNSCREEN);
  const forged = expected.slice();
  forged[forged.length - 1]! ^= 0x80;
  assert.equal(xaeadOpen(KEY_80_9F, nonce, forged, AAD), null);
  assert.equal(xaeadOpen(KEY_80_9F, nonce, expected.subarray(0, 15), AAD), null);
});

test('the handshake AEAD (zero nonce) is RFC 8439 ChaCha20-Poly1305, and rejects forgeries', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
  const aad = hash(new TextEncoder().encode('transcript'));
  const sealed = aeadSealZeroNonce(key, SUNSCREEN, aad);
  const c = createCipheriv('chacha20-poly1305', key, new Uint8Array(12), { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: SUNSCREEN.length });
  assert.equal(
    toHex(sealed),
    toHex(Buffer.concat([c.update(SUNSCREEN), c.final(), c.getAuthTag()])),
  );
  assert.deepEqual(aeadOpenZeroNonce(key, sealed, aad), SUNSCREEN);
  // Empty plaintext (the response's "empty" field) is a bare 16-byte tag.
  assert.equal(aeadSealZeroNonce(key, new Uint8Array(0), aad).length, 16);
  for (let i = 0; i < sealed.length; i += 7) {
    const bad = sealed.slice();
    bad[i]! ^= 4;
    assert.equal(aeadOpenZeroNonce(key, bad, aad), null, `flipped byte ${i}`);
  }
  assert.equal(aeadOpenZeroNonce(key, sealed, hash(aad)), null, 'other transcript hash');
  assert.equal(aeadOpenZeroNonce(key, sealed.subarray(0, 10), aad), null, 'shorter than a tag');
});

test('X25519: RFC 7748 §5.2 and the §6.1 Diffie-Hellman example', () => {
  const scalar = hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
  const u = hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
  assert.equal(
    toHex(dh(scalar, u)!),
    'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  );
  const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(
    toHex(dhPublic(alice)),
    '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  );
  assert.equal(
    toHex(dhPublic(bob)),
    'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  );
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(dh(alice, dhPublic(bob))!), shared);
  assert.equal(toHex(dh(bob, dhPublic(alice))!), shared);
  // The second §5.2 vector: the scalar is clamped and the top bit of u ignored by X25519.
  assert.equal(
    toHex(
      dh(
        hex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
        hex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
      )!,
    ),
    '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  );
});

test('X25519: RFC 7748 §5.2 iterated vector (1 and 1000 iterations)', () => {
  let k: Uint8Array = new Uint8Array(32);
  k[0] = 9;
  let u: Uint8Array = k.slice();
  for (let i = 1; i <= 1000; i++) {
    const r = dh(k, u)!;
    u = k;
    k = r;
    if (i === 1) {
      assert.equal(toHex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
  }
  assert.equal(toHex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
});

test('X25519: random keys agree with OpenSSL, in both directions', () => {
  const random = seededRandom(77);
  for (let i = 0; i < 8; i++) {
    const a = random(32); // deliberately unclamped: both sides clamp
    const b = generatePrivateKey(random);
    const shared = dh(a, publicKeyFromPrivate(b))!;
    assert.equal(toHex(shared), toHex(DH(a, publicKeyFromPrivate(b))));
    assert.equal(toHex(shared), toHex(dh(b, publicKeyFromPrivate(a))!));
  }
});

test('X25519: low-order points give no shared secret and are refused as public keys', () => {
  const priv = generatePrivateKey();
  const small = [
    '0000000000000000000000000000000000000000000000000000000000000000', // 0
    '0100000000000000000000000000000000000000000000000000000000000000', // 1
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1 (order 2)
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p (= 0)
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 (= 1)
  ];
  // The same points with the (ignored) top bit set.
  const withTopBit = small.map(
    (p) => p.slice(0, 62) + (parseInt(p.slice(62), 16) | 0x80).toString(16),
  );
  const lowOrder = [...small, ...withTopBit].map(hex);
  assert.equal(new Set(lowOrder.map(toHex)).size, 14);
  for (const p of lowOrder) {
    assert.equal(dh(priv, p), null, toHex(p));
    assert.equal(isUsablePublicKey(p), false, toHex(p));
  }
  assert.equal(isUsablePublicKey(publicKeyFromPrivate(priv)), true);
});

test('BLAKE2s: RFC 7693 Appendix B ("abc"), and OpenSSL agrees on longer input', () => {
  const abc = new TextEncoder().encode('abc');
  assert.equal(
    toHex(hash(abc)),
    '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982',
  );
  const long = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
  assert.equal(toHex(hash(long)), createHash('blake2s256').update(long).digest('hex'));
  // hash() of several parts is the hash of their concatenation.
  assert.equal(toHex(hash(long.subarray(0, 300), long.subarray(300))), toHex(hash(long)));
  assert.equal(
    toHex(hash(new Uint8Array(0))),
    '69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9',
    'BLAKE2s-256 of the empty string',
  );
});

test('keyed BLAKE2s: reference KATs (key 00..1f), and MAC is the 16-byte keyed variant', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const keyed32 = (input: Uint8Array) => toHex(blake2s(input, { key, dkLen: 32 }));
  assert.equal(
    keyed32(new Uint8Array(0)),
    '48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49',
  );
  assert.equal(
    keyed32(Uint8Array.of(0)),
    '40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1',
  );
  // mac() is keyed BLAKE2s with a 16-byte digest: the digest length is part of the
  // parameter block, so it is not a truncation of the 32-byte one.
  const m = mac(key, Uint8Array.of(0));
  assert.equal(m.length, 16);
  assert.equal(toHex(m), toHex(blake2s(Uint8Array.of(0), { key, dkLen: 16 })));
  assert.notEqual(toHex(m), keyed32(Uint8Array.of(0)).slice(0, 32));
});

test('HMAC-BLAKE2s and the HKDF of the whitepaper are consistent with their definitions', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const input = new TextEncoder().encode('WireGuard');
  // HMAC by definition (RFC 2104, 64-byte block): H((K ^ opad) || H((K ^ ipad) || m)).
  const block = new Uint8Array(64);
  block.set(key);
  const ipad = block.map((b) => b ^ 0x36);
  const opad = block.map((b) => b ^ 0x5c);
  const expected = hash(opad, hash(ipad, input));
  assert.equal(toHex(hmac(key, input)), toHex(expected));
  // KDF_n: T0 = HMAC(key, input); T1 = HMAC(T0, 0x1); Ti = HMAC(T0, Ti-1 || i).
  const t0 = hmac(key, input);
  const t1 = hmac(t0, Uint8Array.of(1));
  const t2 = hmac(t0, Uint8Array.of(...t1, 2));
  const t3 = hmac(t0, Uint8Array.of(...t2, 3));
  const [k1, k2, k3] = kdf(3, key, input);
  assert.deepEqual([toHex(k1!), toHex(k2!), toHex(k3!)], [toHex(t1), toHex(t2), toHex(t3)]);
  assert.deepEqual(kdf(1, key, input).map(toHex), [toHex(t1)]);
  assert.deepEqual(kdf(2, key, input).map(toHex), [toHex(t1), toHex(t2)]);
  // OpenSSL's HMAC over BLAKE2s-256 agrees, for a long (hashed-down) key too.
  assert.equal(toHex(hmac(key, input)), createHmac('blake2s256', key).update(input).digest('hex'));
  const longKey = Uint8Array.from({ length: 100 }, (_, i) => 255 - i);
  assert.equal(
    toHex(hmac(longKey, input)),
    createHmac('blake2s256', longKey).update(input).digest('hex'),
  );
});

test('TAI64N: label 2^62 + 10 + seconds, whitened nanoseconds, strictly increasing successor', () => {
  const t = tai64n(Date.UTC(2020, 0, 1, 0, 0, 0, 999));
  const seconds = BigInt(Date.UTC(2020, 0, 1) / 1000);
  const view = new DataView(t.buffer);
  assert.equal(view.getBigUint64(0), (1n << 62n) + 10n + seconds);
  // 999 ms = 999 000 000 ns, rounded down to a multiple of 2^24 ns.
  assert.equal(view.getUint32(8), 999_000_000 - (999_000_000 % 2 ** 24));
  const next = tai64nAfter(t);
  assert.ok(Buffer.compare(Buffer.from(next), Buffer.from(t)) > 0);
  const unwhitened = new DataView(tai64n(Date.UTC(2020, 0, 1, 0, 0, 0, 999), false).buffer);
  assert.equal(unwhitened.getUint32(8), 999_000_000);
  // The Unix epoch itself is label 0x400000000000000a with zero nanoseconds.
  assert.equal(toHex(tai64n(0)), '400000000000000a00000000');
  // The successor of the last whitened step of a second rolls over into the next second.
  const lastStep = Math.floor(999_999_999 / 2 ** 24) * 2 ** 24;
  const edge = new Uint8Array(12);
  new DataView(edge.buffer).setBigUint64(0, (1n << 62n) + 10n + 5n);
  new DataView(edge.buffer).setUint32(8, lastStep);
  assert.equal(toHex(tai64nAfter(edge)), '400000000000001000000000');
  // Ordering of whole timestamps follows time.
  const order = [0, 1, 16, 17, 999, 1000, 86_400_000].map((ms) => toHex(tai64n(ms)));
  assert.deepEqual([...order].sort(), order);
});
