/**
 * Key handling for configuration and the CLI: the base64 form `wg` uses,
 * public-from-private, and generation. Errors never echo the input, since the
 * input may be a private key.
 */
import { KEY_LENGTH } from './constants.js';
import { clampPrivateKey, dhPublic } from './crypto.js';

/** 43 base64 characters + one '=' pad encode exactly 32 bytes. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export function decodeKey(base64: string): Uint8Array {
  if (typeof base64 !== 'string') throw new Error('key must be a string');
  const text = base64;
  if (text.length !== 44) throw new Error('key must be 44 characters of base64');
  if (!KEY_BASE64.test(text)) throw new Error('key is not valid base64');
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  // Non-zero trailing bits mean a non-canonical encoding; wg rejects those too.
  if (bytes.length !== KEY_LENGTH || Buffer.from(bytes).toString('base64') !== text) {
    throw new Error('key is not canonical base64 of 32 bytes');
  }
  return bytes;
}

export function encodeKey(k: Uint8Array): string {
  if (!(k instanceof Uint8Array) || k.length !== KEY_LENGTH)
    throw new Error('key must be 32 bytes');
  return Buffer.from(k.buffer, k.byteOffset, k.length).toString('base64');
}

export function publicKeyFromPrivate(priv: Uint8Array): Uint8Array {
  if (!(priv instanceof Uint8Array) || priv.length !== KEY_LENGTH) {
    throw new Error('private key must be 32 bytes');
  }
  return dhPublic(priv);
}

/** A new clamped private key. `randomBytes` defaults to the platform CSPRNG. */
export function generatePrivateKey(
  randomBytes: (n: number) => Uint8Array = secureRandomBytes,
): Uint8Array {
  const k = randomBytes(KEY_LENGTH);
  if (k.length !== KEY_LENGTH) throw new Error('random source returned the wrong length');
  return clampPrivateKey(new Uint8Array(k));
}

/** The default randomness source: WebCrypto's CSPRNG. */
export function secureRandomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
