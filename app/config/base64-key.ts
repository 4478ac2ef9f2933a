/**
 * Strict decoding of WireGuard's base64 keys, matching `wg`'s own check: exactly
 * 44 characters of the standard alphabet ending in one '=', decoding to 32
 * bytes with no stray bits in the last character. Lenient decoders (Buffer)
 * would silently accept truncated or mangled keys. Errors never include the
 * input, because the input may be a private key.
 */
export const KEY_LENGTH = 32;
const BASE64_LENGTH = 44;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a base64 WireGuard key; null when the text is not exactly one valid key. */
export function decodeBase64Key(text: string): Uint8Array | null {
  if (text.length !== BASE64_LENGTH || text[BASE64_LENGTH - 1] !== '=') return null;
  const out = new Uint8Array(KEY_LENGTH);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < BASE64_LENGTH - 1; i++) {
    const value = ALPHABET.indexOf(text[i]!);
    if (value < 0) return null;
    acc = ((acc << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < KEY_LENGTH) out[o++] = (acc >> bits) & 0xff;
    }
  }
  // 43 characters carry 258 bits; the 2 left over must be zero for a canonical key.
  if (bits !== 2 || (acc & 0b11) !== 0 || o !== KEY_LENGTH) return null;
  return out;
}
