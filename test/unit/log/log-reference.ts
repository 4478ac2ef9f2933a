/**
 * The straightforward meaning of the viewer's queries, to check the fast
 * implementation against: split the file, parse every line, filter with
 * toLowerCase().includes.
 */
import { readFileSync } from 'node:fs';
import type { LogFilter, LogLine } from '../../../ipc/schema.js';
import { levelRank } from '../../../app/log/levels.js';
import { parseLogLine } from '../../../app/log/parse.js';

export interface RefLine {
  raw: string;
  /** 0..4, or null when malformed. */
  rank: number | null;
  /** ms, or null when malformed. */
  time: number | null;
  view: LogLine;
}

/** Complete lines only: text after the last line feed is still being written. */
export function referenceLines(path: string): RefLine[] {
  const parts = readFileSync(path, 'utf8').split('\n');
  parts.pop();
  return parts.map((part, line) => {
    const raw = part.endsWith('\r') ? part.slice(0, -1) : part;
    const parsed = parseLogLine(raw);
    return parsed.ok
      ? {
          raw,
          rank: levelRank(parsed.entry.level),
          time: Date.parse(parsed.entry.time),
          view: { ok: true, line, ...parsed.entry },
        }
      : { raw, rank: null, time: null, view: { ok: false, line, raw, problem: parsed.error } };
  });
}

export function referenceMatches(lines: RefLine[], filter: LogFilter): number[] {
  const min = levelRank(filter.minLevel);
  const needle = filter.text.toLowerCase();
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.rank !== null && l.rank > min) return;
    if (l.raw.toLowerCase().includes(needle)) out.push(i);
  });
  return out;
}

/** Offset among `matches` of the first line at or after `time`; malformed lines go with the line before. */
export function referenceFindTime(lines: RefLine[], matches: number[], time: string): number {
  const target = Date.parse(time);
  let current = -Infinity;
  let first = lines.length;
  for (let i = 0; i < lines.length; i++) {
    current = lines[i]!.time ?? current;
    if (current >= target) {
      first = i;
      break;
    }
  }
  return matches.filter((m) => m < first).length;
}
