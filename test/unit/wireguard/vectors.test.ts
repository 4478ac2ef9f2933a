// Known-answer tests of the primitives the core is built on, with the published vectors
// (RFC 8439, draft-irtf-cfrg-xchacha, RFC 7748, RFC 7693), cross-checked against OpenSSL
// through node:crypto where it has the algorithm, and the key derivation against `wg pubkey`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { test } from 'node:test';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import {
  dh,
  dhPublic,
  hash,
  hmac,
  isUsablePublicKey,
  kdf,
  tai64n,
  tai64nAfter,
} from '../../../app/tunnel/wireguard/crypto.js';
import {
  decodeKey,
  encodeKey,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '../../../app/tunnel/wireguard/keys.js';

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
});

test('X25519: low-order points give no shared secret and are refused as public keys', () => {
  const priv = generatePrivateKey();
  const lowOrder = [
    new Uint8Array(32), // 0
    hex('0100000000000000000000000000000000000000000000000000000000000000'), // 1
    hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'), // order 8
    hex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'), // order 8
  ];
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
});

test('public keys match `wg pubkey` from wireguard-tools, and base64 keys round-trip', () => {
  for (let i = 0; i < 4; i++) {
    const priv = generatePrivateKey();
    const theirs = execFileSync('wg', ['pubkey'], { input: `${encodeKey(priv)}\n` })
      .toString()
      .trim();
    assert.equal(encodeKey(publicKeyFromPrivate(priv)), theirs);
    assert.deepEqual(decodeKey(theirs), publicKeyFromPrivate(priv));
  }
  for (const bad of ['', 'abc', 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(43)}!`]) {
    assert.throws(
      () => decodeKey(bad),
      (e: unknown) => e instanceof Error && !e.message.includes(bad || '\u0000'),
      JSON.stringify(bad),
    );
  }
});
