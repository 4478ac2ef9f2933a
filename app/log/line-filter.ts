/**
 * Finds the lines matching a viewer filter: level at or above `minLevel`
 * (malformed lines always pass) and containing `text` case-insensitively
 * anywhere in the raw line. The reference meaning is
 * `raw.toLowerCase().includes(text.toLowerCase())`; the common case (ASCII
 * after lowering) runs natively over the ASCII-folded bytes (the addon's
 * findLines: one call per chunk, whatever the number of hits) instead of
 * per-line string work.
 * Works chunk by chunk and yields to the event loop between chunks.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FOLDS_TO_ASCII, isAscii } from './ascii-fold.js';
import { lowercasePreimages } from './case-preimages.js';
import { loadAddon } from '../native/addon.js';
import { MALFORMED } from './line-shape.js';
import type { FoldedChunk, LogFileIndex } from './log-file-index.js';

/** A growable list of line numbers, ascending. */
export class LineList {
  private items = new Int32Array(1024);
  length = 0;

  get(k: number): number {
    return this.items[k]!;
  }

  push(line: number): void {
    if (this.length === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    this.items[this.length++] = line;
  }

  slice(from: number, to: number): Int32Array {
    return this.items.slice(from, to);
  }

  /** How many entries are below `line`. */
  countBelow(line: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]! < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface FilterSpec {
  /** 0 (error) .. 4 (trace): the least severe level shown. */
  rank: number;
  text: string;
}

/** Lines [0, upTo) of a file have been filtered; `lines` holds those that match. */
export interface Scanned {
  lines: LineList;
  upTo: number;
}

export interface ScanOptions {
  /**
   * Checked after each chunk: true stops the scan there (a caller that needs
   * only the first matches, for a search's first rows). `into.upTo` then says
   * how far it got, and a later call goes on from there.
   */
  enough?: () => boolean;
  /** Checked before each chunk: an aborted scan stops with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Filters lines [into.upTo, to) into `into`, advancing `into.upTo` chunk by
 * chunk, so that a scan stopped early (enough, or aborted) leaves a list that
 * is complete up to `upTo` and can be extended later.
 */
export async function collectMatches(
  index: LogFileIndex,
  spec: FilterSpec,
  into: Scanned,
  to: number,
  options: ScanOptions = {},
): Promise<void> {
  const out = into.lines;
  const codes = index.levelCodes;
  const passes = (line: number) => {
    const code = codes[line]!;
    return code <= spec.rank || code === MALFORMED;
  };
  options.signal?.throwIfAborted();
  if (spec.text === '') {
    // A level filter is a pass over one byte a line: a few milliseconds for a million.
    for (let line = into.upTo; line < to; line++) if (passes(line)) out.push(line);
    into.upTo = Math.max(into.upTo, to);
    return;
  }
  const needle = spec.text.toLowerCase();
  // A raw line has no line feed, and a needle with a carriage return needs line-exact ends.
  if (needle.includes('\n')) {
    into.upTo = Math.max(into.upTo, to);
    return;
  }
  // U+FFFD stands for undecodable bytes, which have no one byte sequence to look for.
  const search =
    needle.includes('\r') || needle.includes('\ufffd')
      ? perLine
      : isAscii(needle)
        ? foldedBytes
        : anchored;
  for await (const chunk of index.foldedChunks(into.upTo, to)) {
    // Pushes and upTo move together: whatever stops the scan, the list is whole up to upTo.
    search(index, chunk, needle, passes, out);
    into.upTo = chunk.end;
    if (options.enough?.()) return;
    await nextTurn();
    options.signal?.throwIfAborted();
  }
}

type ChunkSearch = (
  index: LogFileIndex,
  chunk: FoldedChunk,
  needle: string,
  passes: (line: number) => boolean,
  out: LineList,
) => void;

/** The line in [line, end) holding byte `pos` of the file: a short walk, then bisection. */
function lineAt(index: LogFileIndex, pos: number, line: number, end: number): number {
  for (let step = 0; step < 8; step++) {
    if (line + 1 >= end || index.startOf(line + 1) > pos) return line;
    line++;
  }
  let lo = line;
  let hi = end - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (index.startOf(mid) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function contentEnd(chunk: FoldedChunk, index: LogFileIndex, line: number): number {
  let end = index.startOf(line + 1) - chunk.base;
  if (chunk.bytes[end - 1] === 0x0a) end--;
  if (chunk.bytes[end - 1] === 0x0d) end--;
  return end;
}

const foldedBytes: ChunkSearch = (index, chunk, needle, passes, out) => {
  const { bytes, base, end } = chunk;
  const pattern = Buffer.from(needle, 'latin1');
  // Lines with a character that lowercases to ASCII (İ, K) are checked the slow, exact way.
  const special = new Set<number>();
  for (const { bytes: seq, letter } of FOLDS_TO_ASCII) {
    if (!needle.includes(letter) || !index.foldingLetters.has(letter)) continue;
    for (let at = bytes.indexOf(seq); at >= 0; at = bytes.indexOf(seq, at + seq.length)) {
      special.add(lineAt(index, base + at, chunk.first, end));
    }
  }
  const found = new Int32Array(end - chunk.first);
  const n = loadAddon().findLines(bytes, base, pattern, index.lineStarts, chunk.first, end, found);
  const hits: number[] = [];
  for (let k = 0; k < n; k++) if (passes(found[k]!)) hits.push(found[k]!);
  if (special.size === 0) {
    for (const hit of hits) out.push(hit);
    return;
  }
  const all = new Set(hits);
  for (const s of special) {
    if (all.has(s) || !passes(s)) continue;
    const text = bytes.toString('utf8', index.startOf(s) - base, contentEnd(chunk, index, s));
    if (text.toLowerCase().includes(needle)) all.add(s);
  }
  for (const hit of [...all].sort((a, b) => a - b)) out.push(hit);
};

/**
 * Non-ASCII needles: a matching line must hold the raw bytes of some character
 * that lowercases to the needle's first non-ASCII character; those lines are
 * found with indexOf and checked the exact way.
 */
const anchored: ChunkSearch = (index, chunk, needle, passes, out) => {
  const first = [...needle].find((ch) => !isAscii(ch))!;
  const candidates = new Set<number>();
  for (const ch of lowercasePreimages(first)) {
    const seq = Buffer.from(ch, 'utf8');
    for (let at = chunk.bytes.indexOf(seq); at >= 0;) {
      const line = lineAt(index, chunk.base + at, chunk.first, chunk.end);
      candidates.add(line);
      const next = index.startOf(line + 1) - chunk.base;
      at = next < chunk.bytes.length ? chunk.bytes.indexOf(seq, next) : -1;
    }
  }
  for (const line of [...candidates].sort((a, b) => a - b)) {
    if (!passes(line)) continue;
    const start = index.startOf(line) - chunk.base;
    const text = chunk.bytes.toString('utf8', start, contentEnd(chunk, index, line));
    if (text.toLowerCase().includes(needle)) out.push(line);
  }
};

const perLine: ChunkSearch = (index, chunk, needle, passes, out) => {
  for (let line = chunk.first; line < chunk.end; line++) {
    if (!passes(line)) continue;
    const start = index.startOf(line) - chunk.base;
    const text = chunk.bytes.toString('utf8', start, contentEnd(chunk, index, line));
    if (text.toLowerCase().includes(needle)) out.push(line);
  }
};
