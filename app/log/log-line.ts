/**
 * Turns one raw line into the schema's LogLine, clamped to the schema's
 * limits: the logger allows 16 KiB strings, the IPC schema fewer characters,
 * and a response that failed validation would cost the viewer the whole page.
 */
import type { LogLine } from '../../ipc/schema.js';
import { parseLogLine } from './parse.js';

const MAX_RAW = 100_000;
const MAX_MESSAGE = 10_000;
const MAX_TARGET = 200;
const MAX_TIME = 64;

function clamp(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `text` is the line without its terminator; `line` its 0-based number in the file. */
export function toLogLine(line: number, text: string): LogLine {
  const parsed = parseLogLine(text);
  if (parsed.ok && parsed.entry.time.length <= MAX_TIME) {
    const { time, level, target, message, fields } = parsed.entry;
    return {
      ok: true,
      line,
      time,
      level,
      target: clamp(target, MAX_TARGET),
      message: clamp(message, MAX_MESSAGE),
      fields,
    };
  }
  const problem = parsed.ok ? 'timestamp too long' : parsed.error;
  return { ok: false, line, raw: text.slice(0, MAX_RAW), problem: clamp(problem, 200) };
}
