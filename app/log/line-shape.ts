/**
 * Classifies a raw log line by its level without JSON.parse, so a million
 * lines can be indexed in well under a second. The byte-level check accepts
 * only lines in exactly the shape the logger writes (see formatLine in
 * logger.ts): `{"time":"<canonical ISO>","level":"<level>","target":"…",
 * "message":"…"` then optional fields, no whitespace, `}` last. It validates
 * the whole JSON grammar of that shape, so everything it accepts is also
 * accepted by parseLogLine with the same level. Anything else (about 0.1 % of
 * real lines) goes to parseLogLine itself: the result is exact either way.
 */
import { levelRank } from './levels.js';
import { parseLogLine } from './parse.js';

/** Level codes 0 (error) .. 4 (trace); MALFORMED for lines parseLogLine rejects. */
export const MALFORMED = 5;

const Q = 0x22; // "
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

const enc = (text: string) => Buffer.from(text, 'latin1');
const PREFIX = enc('{"time":"');
const LEVEL_KEY = enc('","level":"');
const TARGET_KEY = enc('","target":"');
const MESSAGE_KEY = enc(',"message":"');
const LEVEL_NAMES = ['error', 'warn', 'info', 'debug', 'trace'].map(enc);
const RESERVED_KEYS = ['time', 'level', 'target', 'message'].map(enc);

/** The last `YYYY-MM-DD` that Date.parse accepted: consecutive lines share it, so one check a day. */
const lastGoodDate = new Uint8Array(10);

function matchAt(b: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  if (at + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

/** Two ASCII digits at `at` as a number, or -1. */
function two(b: Uint8Array, at: number): number {
  const hi = b[at]! - 0x30;
  const lo = b[at + 1]! - 0x30;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` (what Date#toISOString writes) with ranges Date.parse accepts. */
function canonicalTime(b: Uint8Array, at: number): boolean {
  if (b[at + 4] !== 0x2d || b[at + 7] !== 0x2d || b[at + 10] !== 0x54) return false;
  if (b[at + 13] !== COLON || b[at + 16] !== COLON || b[at + 19] !== 0x2e) return false;
  if (b[at + 23] !== 0x5a) return false;
  const hour = two(b, at + 11);
  const minute = two(b, at + 14);
  const second = two(b, at + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  if (two(b, at + 20) < 0 || b[at + 22]! < 0x30 || b[at + 22]! > 0x39) return false;
  let sameDay = true;
  for (let k = 0; k < 10; k++) {
    if (b[at + k] !== lastGoodDate[k]) {
      sameDay = false;
      break;
    }
  }
  if (sameDay) return true;
  if (two(b, at) < 0 || two(b, at + 2) < 0) return false;
  const month = two(b, at + 5);
  const day = two(b, at + 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const date = Buffer.from(b.buffer, b.byteOffset + at, 10).toString('latin1');
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) return false;
  lastGoodDate.set(b.subarray(at, at + 10));
  return true;
}

/** Index just past the closing quote of the string whose body starts at `at`, or -1. */
function skipString(b: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const c = b[i++]!;
    if (c === Q) return i;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = b[i++];
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) {
          const h = b[i++]! | 0x20;
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x61 && h <= 0x66))) return -1;
        }
      } else if (
        e !== Q &&
        e !== BACKSLASH &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        return -1;
      }
    }
  }
  return -1;
}

function skipNumber(b: Uint8Array, at: number, end: number): number {
  let i = at;
  if (b[i] === 0x2d) i++;
  const isDigit = (k: number) => k < end && b[k]! >= 0x30 && b[k]! <= 0x39;
  if (!isDigit(i)) return -1;
  if (b[i] === 0x30) i++;
  else while (isDigit(i)) i++;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(i)) return -1;
    while (isDigit(i)) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(i)) return -1;
    while (isDigit(i)) i++;
  }
  return i;
}

const TRUE = enc('true');
const FALSE = enc('false');
const NULL = enc('null');
const MAX_DEPTH = 64;

/**
 * Index just past one JSON value (no whitespace allowed) starting at `at`, or
 * -1. Containers are tracked on an explicit stack: 1 = object, 2 = array.
 */
function skipValue(b: Uint8Array, at: number, end: number, stack: Uint8Array): number {
  let depth = 0;
  let i = at;
  for (;;) {
    // Expecting a value at i.
    const c = b[i];
    if (c === Q) i = skipString(b, i + 1, end);
    else if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) return -1;
      stack[depth++] = c === 0x7b ? 1 : 2;
      i++;
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (b[i] === close) {
        depth--;
        i++;
      } else {
        if (c === 0x7b) {
          if (b[i] !== Q) return -1;
          i = skipString(b, i + 1, end);
          if (i < 0 || b[i] !== COLON) return -1;
          i++;
        }
        continue;
      }
    } else if (c === 0x74) i = matchAt(b, i, end, TRUE) ? i + 4 : -1;
    else if (c === 0x66) i = matchAt(b, i, end, FALSE) ? i + 5 : -1;
    else if (c === 0x6e) i = matchAt(b, i, end, NULL) ? i + 4 : -1;
    else i = skipNumber(b, i, end);
    if (i < 0 || i > end) return -1;
    // After a value: close containers or move to the next member.
    for (;;) {
      if (depth === 0) return i;
      const inObject = stack[depth - 1] === 1;
      const d = b[i];
      if (d === COMMA) {
        i++;
        if (inObject) {
          if (b[i] !== Q) return -1;
          i = skipString(b, i + 1, end);
          if (i < 0 || b[i] !== COLON) return -1;
          i++;
        }
        break;
      }
      if (d === (inObject ? 0x7d : 0x5d)) {
        depth--;
        i++;
        continue;
      }
      return -1;
    }
  }
}

const stack = new Uint8Array(MAX_DEPTH);

/**
 * The level code of the logger-shaped line in b[start, end) (no line
 * terminator), or -1 when the line is not in that exact shape.
 */
export function fastLevel(b: Uint8Array, start: number, end: number): number {
  if (!matchAt(b, start, end, PREFIX)) return -1;
  let i = start + PREFIX.length;
  if (i + 24 > end || !canonicalTime(b, i)) return -1;
  i += 24;
  if (!matchAt(b, i, end, LEVEL_KEY)) return -1;
  i += LEVEL_KEY.length;
  let level = -1;
  for (let l = 0; l < LEVEL_NAMES.length; l++) {
    const name = LEVEL_NAMES[l]!;
    if (b[i + name.length] === Q && matchAt(b, i, end, name)) {
      level = l;
      i += name.length;
      break;
    }
  }
  if (level < 0 || !matchAt(b, i, end, TARGET_KEY)) return -1;
  i = skipString(b, i + TARGET_KEY.length, end);
  if (i < 0 || !matchAt(b, i, end, MESSAGE_KEY)) return -1;
  i = skipString(b, i + MESSAGE_KEY.length, end);
  if (i < 0) return -1;
  // Fields: a repeated standard key would override the first one in JSON.parse.
  while (b[i] === COMMA) {
    if (b[i + 1] !== Q) return -1;
    const keyStart = i + 2;
    i = skipString(b, keyStart, end);
    if (i < 0) return -1;
    const keyLen = i - 1 - keyStart;
    for (let k = keyStart; k < i - 1; k++) if (b[k] === BACKSLASH) return -1;
    for (const key of RESERVED_KEYS) {
      if (key.length === keyLen && matchAt(b, keyStart, end, key)) return -1;
    }
    if (b[i] !== COLON) return -1;
    i = skipValue(b, i + 1, end, stack);
    if (i < 0) return -1;
  }
  return b[i] === 0x7d && i + 1 === end ? level : -1;
}

/** Exact level code of a line: the fast check, else parseLogLine. */
export function levelCode(b: Buffer, start: number, end: number): number {
  const fast = fastLevel(b, start, end);
  if (fast >= 0) return fast;
  const parsed = parseLogLine(b.toString('utf8', start, end));
  return parsed.ok ? levelRank(parsed.entry.level) : MALFORMED;
}
