/**
 * Turns one raw line into the schema's LogLine, clamped to the schema's
 * limits: the logger allows 16 KiB strings, the IPC schema fewer characters,
 * and a response that failed validation would cost the viewer the whole page.
 * Every part is bounded, fields included, so one line serialises to well
 * under a page's byte budget (page-budget.ts) whatever the file holds.
 */
import type { LogLine, LogProcess } from '../../ipc/schema.js';
import { parseLogLine } from './parse.js';

const MAX_RAW = 100_000;
const MAX_MESSAGE = 10_000;
const MAX_TARGET = 200;
const MAX_TIME = 64;
/** Serialised fields beyond this are cut (the file keeps the whole line). */
export const MAX_FIELDS_BYTES = 64 * 1024;
/** Lines longer than this are read only this far and shown cut. */
export const MAX_LINE_READ = 1024 * 1024;
/** The key that stands for fields left out. */
export const FIELDS_CUT_KEY = '…';

/** Where a line is: which process's log, which file of it, which line of that file (0-based). */
export interface LineOrigin {
  process: LogProcess;
  file: string;
  line: number;
}

function clamp(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The fields as they are when they fit, else the leading ones that fit and a note. */
function boundFields(fields: Record<string, unknown>): Record<string, unknown> {
  const total = jsonBytes(fields);
  if (total <= MAX_FIELDS_BYTES) return fields;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(fields);
  // Room for the note itself.
  let used = 256;
  let shown = 0;
  for (const key of keys) {
    const size = jsonBytes(key) + jsonBytes(fields[key]) + 2;
    if (used + size > MAX_FIELDS_BYTES) break;
    out[key] = fields[key];
    used += size;
    shown++;
  }
  out[FIELDS_CUT_KEY] =
    `${keys.length - shown} of ${keys.length} fields not shown (${total} bytes in all); ` +
    'the log file has the whole line';
  return out;
}

/**
 * `text` is the line without its terminator, or its first MAX_LINE_READ bytes
 * when `bytes` (its length in the file) says it is longer. A malformed line's
 * `lastTime` is left null here: it depends on the lines before it.
 */
export function toLogLine(origin: LineOrigin, text: string, bytes = 0): LogLine {
  if (bytes > MAX_LINE_READ) {
    return {
      ok: false,
      ...origin,
      raw: text.slice(0, MAX_RAW),
      problem: `line too long to show (${bytes} bytes); its start is shown`,
      lastTime: null,
    };
  }
  const parsed = parseLogLine(text);
  if (parsed.ok && parsed.entry.time.length <= MAX_TIME) {
    const { time, level, target, message, fields } = parsed.entry;
    return {
      ok: true,
      ...origin,
      time,
      level,
      target: clamp(target, MAX_TARGET),
      message: clamp(message, MAX_MESSAGE),
      fields: boundFields(fields),
    };
  }
  const problem = parsed.ok ? 'timestamp too long' : parsed.error;
  return {
    ok: false,
    ...origin,
    raw: text.slice(0, MAX_RAW),
    problem: clamp(problem, 200),
    lastTime: null,
  };
}

/** The time a line sorts by: its own, or for a malformed line that of the line before it. */
export function sortTime(line: LogLine): number {
  const time = line.ok ? line.time : line.lastTime;
  return time === null ? -Infinity : Date.parse(time);
}
