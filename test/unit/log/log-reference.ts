/**
 * The straightforward meaning of the viewer's queries, to check the fast
 * implementation against: read every file of a log whole, oldest first, parse
 * every line, filter with toLowerCase().includes, and interleave two logs with
 * a stable sort.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LogFilter, LogLine, LogProcess } from '../../../ipc/schema.js';
import { levelRank } from '../../../app/log/levels.js';
import { parseLogLine } from '../../../app/log/parse.js';

export interface RefLine {
  raw: string;
  /** 0..4, or null when malformed. */
  rank: number | null;
  /** ms, or null when malformed. */
  time: number | null;
  /** Its own time, else that of the nearest earlier line with one, else -Infinity. */
  sortTime: number;
  view: LogLine;
}

/**
 * One file's complete lines (text after the last line feed is still being
 * written), numbered in the file. `lastTime` of malformed lines is left null.
 */
export function referenceLines(
  file: string,
  origin: { process?: LogProcess; name?: string } = {},
): RefLine[] {
  const process = origin.process ?? 'main';
  const name = origin.name ?? path.basename(file);
  const parts = readFileSync(file, 'utf8').split('\n');
  parts.pop();
  let last: { ms: number; text: string } | null = null;
  return parts.map((part, line) => {
    const raw = part.endsWith('\r') ? part.slice(0, -1) : part;
    const parsed = parseLogLine(raw);
    if (parsed.ok && parsed.entry.time.length <= 64) {
      const ms = Date.parse(parsed.entry.time);
      last = { ms, text: parsed.entry.time };
      return {
        raw,
        rank: levelRank(parsed.entry.level),
        time: ms,
        sortTime: ms,
        view: { ok: true, process, file: name, line, ...parsed.entry },
      };
    }
    const problem = parsed.ok ? 'timestamp too long' : parsed.error;
    return {
      raw,
      rank: null,
      time: null,
      sortTime: last?.ms ?? -Infinity,
      view: { ok: false, process, file: name, line, raw, problem, lastTime: last?.text ?? null },
    };
  });
}

/** The files of the log at `base`, oldest first, named as the file sink names them. */
export function referenceFiles(base: string): string[] {
  const dir = path.dirname(base);
  const name = path.basename(base);
  const rotated = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.startsWith(`${name}.`) && /^[1-9]\d*$/.test(n.slice(name.length + 1)))
        .sort((a, b) => Number(b.slice(name.length + 1)) - Number(a.slice(name.length + 1)))
        .map((n) => path.join(dir, n))
    : [];
  return existsSync(base) ? [...rotated, base] : rotated;
}

/** A log and its rotated files as one list of lines, malformed lines timed by the line before. */
export function referenceTimeline(base: string, process: LogProcess = 'main'): RefLine[] {
  const out: RefLine[] = [];
  let last: { ms: number; text: string } | null = null;
  for (const file of referenceFiles(base)) {
    for (const l of referenceLines(file, { process })) {
      if (l.view.ok) last = { ms: l.time!, text: l.view.time };
      else {
        l.view.lastTime = last?.text ?? null;
        l.sortTime = last?.ms ?? -Infinity;
      }
      out.push(l);
    }
  }
  return out;
}

export function referencePasses(l: RefLine, filter: LogFilter): boolean {
  if (l.rank !== null && l.rank > levelRank(filter.minLevel)) return false;
  return l.raw.toLowerCase().includes(filter.text.toLowerCase());
}

export function referenceMatches(lines: RefLine[], filter: LogFilter): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (referencePasses(l, filter)) out.push(i);
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

/** Two logs interleaved: by sort time, `first` before `second` at equal times, each in its own order. */
export function referenceMerge(first: RefLine[], second: RefLine[]): RefLine[] {
  const tagged = [...first.map((l) => ({ l, side: 0 })), ...second.map((l) => ({ l, side: 1 }))];
  // Array.prototype.sort is stable: each log keeps its order.
  tagged.sort((x, y) => x.l.sortTime - y.l.sortTime || x.side - y.side);
  return tagged.map((t) => t.l);
}
