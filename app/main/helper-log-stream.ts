/**
 * The system helper's log for a support export: only the helper can read its
 * file (root, 0600), so the GUI pages through it with the schema's readLogs
 * and turns each line back into JSONL (malformed lines as they were).
 */
import type { Client } from '../../ipc/client.js';
import type { LogLine } from '../../ipc/schema.js';

const PAGE = 5_000;
/** A support bundle needs the recent past, not years: the newest lines up to this many. */
const MAX_LINES = 500_000;

export function lineText(line: LogLine): string {
  if (!line.ok) return line.raw;
  const { time, level, target, message, fields } = line;
  return JSON.stringify({ time, level, target, message, ...fields });
}

export async function* helperLogChunks(helper: Client): AsyncGenerator<Uint8Array> {
  const filter = { minLevel: 'trace', text: '' } as const;
  const first = await helper.readLogs({ source: 'helper', filter, offset: 0, limit: 1 });
  let offset = Math.max(0, first.matching - MAX_LINES);
  for (;;) {
    const page = await helper.readLogs({ source: 'helper', filter, offset, limit: PAGE });
    if (page.lines.length === 0) return;
    yield Buffer.from(page.lines.map((l) => `${lineText(l)}\n`).join(''));
    offset += page.lines.length;
  }
}
