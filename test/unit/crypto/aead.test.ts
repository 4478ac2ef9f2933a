import assert from 'node:assert/strict';
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';
import { chooseTransportAead } from '../../../app/tunnel/crypto/aead/load.js';
import { nobleAead } from '../../../app/tunnel/crypto/aead/noble.js';
import { checkTransportAead } from '../../../app/tunnel/crypto/aead/self-check.js';
import { sodiumAead } from '../../../app/tunnel/crypto/aead/sodium.js';
import type { TransportAead } from '../../../app/tunnel/crypto/aead/types.js';

const native = sodiumAead();
const noble = nobleAead();

function seal(aead: TransportAead, key: Uint8Array, hi: number, lo: number, p: Uint8Array) {
  const out = new Uint8Array(p.length + 16);
  aead.seal(key, hi, lo, p, out);
  return out;
}

function open(aead: TransportAead, key: Uint8Array, hi: number, lo: number, c: Uint8Array) {
  const out = new Uint8Array(c.length - 16);
  return aead.open(key, hi, lo, c, out) ? out : null;
}

test('sodium-native and @noble seal byte for byte alike, every length 0..1420 and some up to 65535', () => {
  const lengths = [...Array.from({ length: 1421 }, (_, i) => i), 1500, 4096, 9000, 65_519, 65_535];
  for (const length of lengths) {
    const key = randomBytes(32);
    const hi = randomInt(2 ** 32);
    const lo = randomInt(2 ** 32);
    const plain = new Uint8Array(randomBytes(length));
    const a = seal(native, key, hi, lo, plain);
    const b = seal(noble, key, hi, lo, plain);
    assert.deepEqual(a, b, `length ${length}`);
    // Each opens the other's message.
    assert.deepEqual(open(noble, key, hi, lo, a), plain);
    assert.deepEqual(open(native, key, hi, lo, b), plain);
  }
});

test('the nonce is 4 zero bytes then the 64-bit counter little-endian (checked against OpenSSL)', () => {
  for (let r = 0; r < 50; r++) {
    const key = randomBytes(32);
    const hi = randomInt(2 ** 32);
    const lo = randomInt(2 ** 32);
    const plain = randomBytes(randomInt(1421));
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32LE(lo, 4);
    nonce.writeUInt32LE(hi, 8);
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    assert.deepEqual(Buffer.from(seal(native, key, hi, lo, plain)), expected);
    assert.deepEqual(Buffer.from(seal(noble, key, hi, lo, plain)), expected);
  }
});

test('sealing and opening in place give the same bytes as separate buffers', () => {
  for (const aead of [native, noble]) {
    for (let r = 0; r < 200; r++) {
      const key = randomBytes(32);
      const length = randomInt(1421);
      const plain = new Uint8Array(randomBytes(length));
      const buf = new Uint8Array(length + 16);
      buf.set(plain);
      aead.seal(key, 0, r, buf.subarray(0, length), buf);
      assert.deepEqual(buf, seal(noble, key, 0, r, plain));
      assert.equal(aead.open(key, 0, r, buf, buf.subarray(0, length)), true);
      assert.deepEqual(buf.subarray(0, length), plain);
    }
  }
});

test('forged tags, flipped ciphertext bits, wrong counters and wrong keys are rejected by both', () => {
  for (const aead of [native, noble]) {
    for (let r = 0; r < 300; r++) {
      const key = randomBytes(32);
      const hi = randomInt(2 ** 32);
      const lo = randomInt(2 ** 32 - 1);
      const length = randomInt(1421);
      const sealed = seal(noble, key, hi, lo, new Uint8Array(randomBytes(length)));
      assert.notEqual(open(aead, key, hi, lo, sealed), null);
      const flipped = sealed.slice();
      flipped[randomInt(sealed.length)]! ^= 1 << randomInt(8);
      assert.equal(open(aead, key, hi, lo, flipped), null, `${aead.name}: flipped bit`);
      const forgedTag = sealed.slice();
      forgedTag.set(randomBytes(16), length);
      assert.equal(open(aead, key, hi, lo, forgedTag), null, `${aead.name}: forged tag`);
      assert.equal(open(aead, key, hi, lo + 1, sealed), null, `${aead.name}: next counter`);
      assert.equal(open(aead, key, hi ^ 1, lo, sealed), null, `${aead.name}: counter high half`);
      const otherKey = Buffer.from(key);
      otherKey[randomInt(32)]! ^= 1;
      assert.equal(open(aead, otherKey, hi, lo, sealed), null, `${aead.name}: wrong key`);
    }
  }
});

test('a truncated message (tag only, or shorter) is rejected, not thrown', () => {
  for (const aead of [native, noble]) {
    const key = randomBytes(32);
    assert.equal(aead.open(key, 0, 0, new Uint8Array(16), new Uint8Array(0)), false);
  }
});

test('the start-up self-check passes sodium-native and fails a wrong implementation', () => {
  assert.equal(checkTransportAead(native), null);
  const wrongNonce: TransportAead = {
    name: 'sodium-native',
    seal: (key, hi, lo, p, out) => native.seal(key, lo, hi, p, out),
    open: (key, hi, lo, c, out) => native.open(key, lo, hi, c, out),
  };
  assert.match(checkTransportAead(wrongNonce) ?? '', /known answer/);
  const acceptsForgeries: TransportAead = {
    name: 'sodium-native',
    seal: (...a) => native.seal(...a),
    open: (key, hi, lo, c, out) => {
      native.open(key, hi, lo, c, out);
      return true;
    },
  };
  assert.match(checkTransportAead(acceptsForgeries) ?? '', /forged/);
});

function choose(env: NodeJS.ProcessEnv, loadNative?: () => TransportAead) {
  const warnings: { message: string; reason: unknown }[] = [];
  const aead = chooseTransportAead({
    env,
    ...(loadNative ? { loadNative } : {}),
    warn: (message, fields) => warnings.push({ message, reason: fields.reason }),
  });
  return { aead, warnings };
}

test('by default sodium-native is chosen, without a warning', () => {
  const { aead, warnings } = choose({});
  assert.equal(aead.name, 'sodium-native');
  assert.deepEqual(warnings, []);
});

test('SLIPSTREAM_AEAD=noble forces @noble without a warning, and it works', () => {
  const { aead, warnings } = choose({ SLIPSTREAM_AEAD: 'noble' });
  assert.equal(aead.name, '@noble/ciphers');
  assert.deepEqual(warnings, []);
  const key = randomBytes(32);
  const plain = new Uint8Array(randomBytes(100));
  assert.deepEqual(open(native, key, 1, 2, seal(aead, key, 1, 2, plain)), plain);
});

test('a native library that fails to load gives exactly one warning and @noble', () => {
  const { aead, warnings } = choose({}, () => {
    throw new Error('Cannot find module sodium-native');
  });
  assert.equal(aead.name, '@noble/ciphers');
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.reason), /did not load: Cannot find module sodium-native/);
  const key = randomBytes(32);
  const plain = new Uint8Array(randomBytes(1420));
  assert.deepEqual(open(native, key, 0, 9, seal(aead, key, 0, 9, plain)), plain);
});

test('a native library that computes wrong bytes gives exactly one warning and @noble', () => {
  const broken: TransportAead = {
    name: 'sodium-native',
    seal: (key, hi, lo, p, out) => {
      native.seal(key, hi, lo, p, out);
      out[0] = out[0]! ^ 0x80;
    },
    open: (...a) => native.open(...a),
  };
  const { aead, warnings } = choose({}, () => broken);
  assert.equal(aead.name, '@noble/ciphers');
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.reason), /self-check/);
});

test('an unknown SLIPSTREAM_AEAD value is reported once and falls back to @noble', () => {
  const { aead, warnings } = choose({ SLIPSTREAM_AEAD: 'openssl' });
  assert.equal(aead.name, '@noble/ciphers');
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.reason), /"openssl"/);
});
