/**
 * The AEAD that seals and opens WireGuard transport messages: ChaCha20-Poly1305
 * (RFC 8439) with an empty associated-data field and the 96-bit nonce built
 * from the message counter as WireGuard does (32 zero bits, then the 64-bit
 * counter little-endian). Implementations only wrap vetted libraries
 * (sodium-native, @noble/ciphers); none contains cipher code of its own.
 */

/** Which library runs: the name is logged with the tunnel and passed to workers. */
export type AeadName = 'sodium-native' | '@noble/ciphers';

export interface TransportAead {
  readonly name: AeadName;
  /**
   * Encrypts `plaintext` into `out` (exactly plaintext.length + 16 bytes:
   * ciphertext then tag). `out` may start at the same byte as `plaintext`
   * (in place); any other overlap is not allowed.
   */
  seal(
    key: Uint8Array,
    counterHi: number,
    counterLo: number,
    plaintext: Uint8Array,
    out: Uint8Array,
  ): void;
  /**
   * Authenticates and decrypts `ciphertext` (ciphertext then tag, >= 16 bytes)
   * into `out` (exactly ciphertext.length - 16 bytes; may start at the same
   * byte). Returns false, leaving `out` unspecified, if the tag does not verify.
   */
  open(
    key: Uint8Array,
    counterHi: number,
    counterLo: number,
    ciphertext: Uint8Array,
    out: Uint8Array,
  ): boolean;
}

export const AEAD_KEY_BYTES = 32;
export const AEAD_TAG_BYTES = 16;

/** Writes WireGuard's transport nonce for a counter into a 12-byte buffer. */
export function writeNonce(nonce: Uint8Array, counterHi: number, counterLo: number): void {
  nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
  nonce[4] = counterLo & 0xff;
  nonce[5] = (counterLo >>> 8) & 0xff;
  nonce[6] = (counterLo >>> 16) & 0xff;
  nonce[7] = counterLo >>> 24;
  nonce[8] = counterHi & 0xff;
  nonce[9] = (counterHi >>> 8) & 0xff;
  nonce[10] = (counterHi >>> 16) & 0xff;
  nonce[11] = counterHi >>> 24;
}
