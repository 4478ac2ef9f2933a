/**
 * Transport AEAD on sodium-native: libsodium's ChaCha20-Poly1305-IETF (with
 * its SSSE3/AVX2 code paths) through Node-API, so it loads in worker threads
 * and in Electron alike. About ten times faster than @noble per packet.
 */
import { createRequire } from 'node:module';
import { writeNonce, type TransportAead } from './types.js';

/** The two functions of sodium-native used here (it ships no type declarations). */
interface SodiumAeadApi {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

/** Loads sodium-native (synchronously, so a failure can be caught and reported). Throws if it cannot. */
export function loadSodiumApi(): SodiumAeadApi {
  const require = createRequire(import.meta.url);
  const api = require('sodium-native') as Partial<SodiumAeadApi>;
  if (
    typeof api.crypto_aead_chacha20poly1305_ietf_encrypt !== 'function' ||
    typeof api.crypto_aead_chacha20poly1305_ietf_decrypt !== 'function'
  ) {
    throw new Error('sodium-native has no crypto_aead_chacha20poly1305_ietf_*');
  }
  return api as SodiumAeadApi;
}

export function sodiumAead(api: SodiumAeadApi = loadSodiumApi()): TransportAead {
  const nonce = new Uint8Array(12);
  const encrypt = api.crypto_aead_chacha20poly1305_ietf_encrypt;
  const decrypt = api.crypto_aead_chacha20poly1305_ietf_decrypt;
  return {
    name: 'sodium-native',
    seal(key, counterHi, counterLo, plaintext, out) {
      writeNonce(nonce, counterHi, counterLo);
      encrypt(out, plaintext, null, null, nonce, key);
    },
    open(key, counterHi, counterLo, ciphertext, out) {
      writeNonce(nonce, counterHi, counterLo);
      try {
        // Throws "could not verify data" on a bad tag; libsodium checks the tag before decrypting.
        decrypt(out, null, ciphertext, null, nonce, key);
        return true;
      } catch {
        return false;
      }
    },
  };
}
