/**
 * Transport AEAD on @noble/ciphers (audited, pure JavaScript): the reference
 * every native result is checked against, and the fallback when the native
 * library cannot be used.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { writeNonce, type TransportAead } from './types.js';

export function nobleAead(): TransportAead {
  // The cipher reads the nonce only during the call it is given to: one per instance.
  const nonce = new Uint8Array(12);
  return {
    name: '@noble/ciphers',
    seal(key, counterHi, counterLo, plaintext, out) {
      writeNonce(nonce, counterHi, counterLo);
      chacha20poly1305(key, nonce).encrypt(plaintext, out);
    },
    open(key, counterHi, counterLo, ciphertext, out) {
      writeNonce(nonce, counterHi, counterLo);
      try {
        chacha20poly1305(key, nonce).decrypt(ciphertext, out);
        return true;
      } catch {
        return false;
      }
    },
  };
}
