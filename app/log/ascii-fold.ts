import { loadAddon } from '../native/addon.js';

/**
 * ASCII case folding for the viewer's text search: a case-insensitive search
 * folds the bytes it reads, then is one native Buffer.indexOf over them
 * instead of per-line string work. Non-ASCII bytes are left
 * alone: folding them would need decoding, and only two characters lowercase
 * to ASCII at all (see FOLDS_TO_ASCII), which the search handles separately.
 */

/**
 * Lowercases A-Z in place in b[from, to). Native (the addon's vectorised
 * loop): a search folds every byte of the file it reads, 180 MB for a
 * million-line log, and JavaScript needs several times as long.
 */
export function foldAscii(b: Uint8Array, from: number, to: number): void {
  loadAddon().foldAscii(b, from, to);
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
