/**
 * The cryptographic primitives of the WireGuard whitepaper §5.4, built only on
 * the audited @noble libraries. Every function is pure; failures of
 * authentication are reported as `null`, never thrown, so callers can treat
 * hostile bytes as ordinary input.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { AEAD_TAG_LENGTH, KEY_LENGTH, MAC_LENGTH, TIMESTAMP_LENGTH } from './constants.js';

const ZERO_NONCE = new Uint8Array(12);
const EMPTY = new Uint8Array(0);

/** HASH(parts...) = BLAKE2s(parts concatenated, 32). */
export function hash(...parts: Uint8Array[]): Uint8Array {
  const h = blake2s.create({ dkLen: 32 });
  for (const p of parts) h.update(p);
  return h.digest();
}

/** MAC(key, input) = keyed BLAKE2s(key, input, 16). */
export function mac(key: Uint8Array, input: Uint8Array): Uint8Array {
  return blake2s(input, { key, dkLen: MAC_LENGTH });
}

/** HMAC(key, input) = HMAC-BLAKE2s(key, input), 32 bytes. */
export function hmac(key: Uint8Array, input: Uint8Array): Uint8Array {
  return nobleHmac(blake2s, key, input);
}

/**
 * KDF_n(key, input): HKDF with HMAC-BLAKE2s, returning n 32-byte outputs.
 * The pseudorandom key τ0 is zeroed once the outputs are derived.
 */
export function kdf(n: 1 | 2 | 3, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const prk = hmac(key, input);
  const out: Uint8Array[] = [];
  let previous: Uint8Array = EMPTY;
  const block = new Uint8Array(KEY_LENGTH + 1);
  for (let i = 1; i <= n; i++) {
    block.set(previous, 0);
    block[previous.length] = i;
    previous = hmac(prk, block.subarray(0, previous.length + 1));
    out.push(previous);
  }
  prk.fill(0);
  block.fill(0);
  return out;
}

/** AEAD with the all-zero nonce (handshake messages use each key exactly once). */
export function aeadSealZeroNonce(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, ZERO_NONCE, aad).encrypt(plaintext);
}

export function aeadOpenZeroNonce(
  key: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) return null;
  try {
    return chacha20poly1305(key, ZERO_NONCE, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}

/** XAEAD: XChaCha20-Poly1305 with a 24-byte nonce (cookie replies). */
export function xaeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

export function xaeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) return null;
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}

/** Clamps a 32-byte X25519 private key in place (RFC 7748 §5). */
export function clampPrivateKey(k: Uint8Array): Uint8Array {
  k[0] = k[0]! & 248;
  k[31] = (k[31]! & 127) | 64;
  return k;
}

/** X25519 public key of a private key. */
export function dhPublic(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/**
 * DH(private, public). Returns null for a low-order public key or an all-zero
 * result, which the protocol must reject (a peer could otherwise force a known
 * shared secret).
 */
export function dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, publicKey);
  } catch {
    return null;
  }
  return isZero(shared) ? null : shared;
}

/** True if `publicKey` is a 32-byte key that yields a usable DH result. */
export function isUsablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== KEY_LENGTH) return false;
  // Any valid scalar works: low-order points give zero (or are refused) for all of them.
  const probe = new Uint8Array(KEY_LENGTH);
  probe[0] = 8;
  probe[31] = 64;
  return dh(probe, publicKey) !== null;
}

/** Constant-time (for equal lengths) byte comparison. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function isZero(a: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i]!;
  return acc === 0;
}

/** Big-endian lexicographic comparison, as TAI64N timestamps are ordered. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** TAI64 label of the Unix epoch: 2^62 + 10 (TAI was 10 s ahead of UTC in 1970). */
const TAI64_EPOCH = (1n << 62n) + 10n;
/**
 * Nanoseconds are rounded down to 2^24 ns (~16.7 ms), as wireguard-go and the
 * kernel do, so the timestamp does not leak a precise clock.
 */
const WHITENER_MASK = 0xffffff;

/**
 * TAI64N encoding of a wall-clock time in milliseconds since the Unix epoch:
 * 8 bytes big-endian seconds label + 4 bytes big-endian nanoseconds.
 */
export function tai64n(unixMs: number, whiten = true): Uint8Array {
  const ms = Math.floor(unixMs);
  const seconds = Math.floor(ms / 1000);
  let nanos = (ms - seconds * 1000) * 1_000_000;
  if (whiten) nanos = (nanos & ~WHITENER_MASK) >>> 0;
  const out = new Uint8Array(TIMESTAMP_LENGTH);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, TAI64_EPOCH + BigInt(seconds));
  view.setUint32(8, nanos);
  return out;
}

/** The smallest TAI64N value strictly after `t` at the whitened resolution. */
export function tai64nAfter(t: Uint8Array): Uint8Array {
  const view = new DataView(t.buffer, t.byteOffset, TIMESTAMP_LENGTH);
  let seconds = view.getBigUint64(0);
  let nanos = view.getUint32(8) + WHITENER_MASK + 1;
  if (nanos >= 1_000_000_000) {
    nanos = 0;
    seconds += 1n;
  }
  const out = new Uint8Array(TIMESTAMP_LENGTH);
  const o = new DataView(out.buffer);
  o.setBigUint64(0, seconds);
  o.setUint32(8, nanos);
  return out;
}
