/**
 * How many log lines one readLogs answer may carry. Answers travel as one
 * line of the IPC wire (ipc/wire.ts), and a line over MAX_LINE_BYTES makes the
 * receiver drop the connection, the GUI's link to the helper included. So a
 * page is bounded in bytes as well as in lines: lines are added while the
 * serialised page stays within PAGE_BYTES, half the wire's limit, which
 * leaves room for the frame around it. Every line is bounded on its own
 * (log-line.ts) well below PAGE_BYTES, so the first line always fits and
 * paging always advances.
 */
import type { LogLine } from '../../ipc/schema.js';
import { MAX_LINE_BYTES } from '../../ipc/wire.js';

export const PAGE_BYTES = MAX_LINE_BYTES / 2;

/** Serialised size of a line in a page (with the comma that separates it). */
export const lineWireBytes = (line: LogLine) => Buffer.byteLength(JSON.stringify(line)) + 1;

/** How many of `lines`, from the first, fit in `budget` bytes; at least one when there is one. */
export function linesWithin(lines: readonly LogLine[], budget = PAGE_BYTES): number {
  let used = 0;
  for (let k = 0; k < lines.length; k++) {
    used += lineWireBytes(lines[k]!);
    if (used > budget && k > 0) return k;
  }
  return lines.length;
}
