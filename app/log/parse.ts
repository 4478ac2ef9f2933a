/**
 * Reads back one line written by the logger. Malformed lines are returned with
 * their raw text and the reason, never dropped: the log viewer shows them as
 * they are, because a corrupt line is itself a clue.
 */
import { isLogLevel, type LogLevel } from './levels.js';

export interface LogEntry {
  time: string;
  level: LogLevel;
  target: string;
  message: string;
  /** Everything except the four standard keys, in file order. */
  fields: Record<string, unknown>;
}

export type ParsedLogLine =
  { ok: true; entry: LogEntry } | { ok: false; raw: string; error: string };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

export function parseLogLine(line: string): ParsedLogLine {
  const raw = line.replace(/\r?\n$/, '');
  const bad = (error: string): ParsedLogLine => ({ ok: false, raw, error });
  if (raw.trim() === '') return bad('empty line');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return bad('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad('not a JSON object');
  }
  const { time, level, target, message, ...rest } = value as Record<string, unknown>;
  if (!isTimestamp(time)) return bad('missing or invalid "time" (expected an RFC 3339 timestamp)');
  if (!isLogLevel(level)) return bad('missing or invalid "level"');
  if (typeof target !== 'string') return bad('missing or invalid "target"');
  if (typeof message !== 'string') return bad('missing or invalid "message"');
  return { ok: true, entry: { time, level, target, message, fields: rest } };
}
