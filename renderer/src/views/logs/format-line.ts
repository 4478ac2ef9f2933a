/**
 * How a log line reads in a row and on the clipboard. Memoised per line
 * object: rows re-render on every scroll frame, lines do not change.
 */
import type { LogLine } from '../../../../ipc/schema.js';

const texts = new WeakMap<LogLine, string>();

function fieldsText(fields: Record<string, unknown>): string {
  const keys = Object.keys(fields);
  if (keys.length === 0) return '';
  return keys.map((k) => `${k}=${JSON.stringify(fields[k])}`).join(' ');
}

/** The message and its fields, as the row's main cell shows them. */
export function messageText(line: Extract<LogLine, { ok: true }>): string {
  let text = texts.get(line);
  if (text === undefined) {
    const fields = fieldsText(line.fields);
    text = fields ? `${line.message} ${fields}` : line.message;
    texts.set(line, text);
  }
  return text;
}

/** The whole line as one text, for copying: malformed lines exactly as in the file. */
export function copyText(line: LogLine): string {
  if (!line.ok) return line.raw;
  return `${line.time} ${line.level.toUpperCase()} ${line.target}: ${messageText(line)}`;
}
