/**
 * One JSONL log as the viewer sees it: for a filter (see line-filter.ts), how
 * many lines match, any page of them as schema LogLine objects, and where a
 * point in time falls among them. Matching line numbers are computed once per
 * filter and kept (a few recent filters), extended as the file grows, and
 * dropped when it is rotated or truncated. Operations run one at a time, so a
 * refresh never changes the index under a query that has yielded.
 */
import type { LogFilter, LogLine } from '../../ipc/schema.js';
import { levelRank } from './levels.js';
import { MALFORMED } from './line-shape.js';
import { LogFileIndex, type IndexOptions, type RefreshResult } from './log-file-index.js';
import { collectMatches, LineList } from './line-filter.js';
import { toLogLine } from './log-line.js';
import { parseLogLine } from './parse.js';

export type LogViewOptions = IndexOptions;

export interface LogPage {
  lines: LogLine[];
  totalLines: number;
  matching: number;
}

interface Matches {
  lines: LineList;
  /** File lines [0, upTo) have been filtered. */
  upTo: number;
}

/** Recent filters kept: typing in the search box revisits them. */
const CACHED_FILTERS = 4;

export class LogView {
  private readonly index: LogFileIndex;
  private readonly cache = new Map<string, Matches>();
  private queue: Promise<unknown> = Promise.resolve();
  private resets = 0;

  private constructor(path: string, options: LogViewOptions) {
    this.index = new LogFileIndex(path, options);
  }

  /** Indexes the file; a missing file is an empty log that may appear later. */
  static async open(path: string, options: LogViewOptions = {}): Promise<LogView> {
    const view = new LogView(path, options);
    await view.refresh();
    return view;
  }

  get path(): string {
    return this.index.path;
  }

  /** Complete lines in the file as of the last refresh. */
  get totalLines(): number {
    return this.index.lines;
  }

  /** Times the file was found replaced, truncated or removed: a follower re-reads from scratch. */
  get generation(): number {
    return this.resets;
  }

  /** Picks up appended lines, or starts over after rotation or truncation. */
  refresh(): Promise<RefreshResult & { totalLines: number }> {
    return this.exclusive(async () => {
      const result = await this.index.refresh();
      if (result.reset) {
        this.cache.clear();
        this.resets++;
      }
      return { ...result, totalLines: this.index.lines };
    });
  }

  /** How many lines match. */
  count(filter: LogFilter): Promise<number> {
    return this.exclusive(async () => (await this.matches(filter)).lines.length);
  }

  /** Matching lines [offset, offset + limit), with the counts the viewer shows. */
  page(filter: LogFilter, offset: number, limit: number): Promise<LogPage> {
    return this.exclusive(async () => {
      const { lines } = await this.matches(filter);
      const from = Math.min(Math.max(0, offset), lines.length);
      const chosen = lines.slice(from, Math.min(lines.length, from + Math.max(0, limit)));
      const texts = await this.index.readLines(chosen);
      return {
        lines: texts.map((text, k) => toLogLine(chosen[k]!, text)),
        totalLines: this.index.lines,
        matching: lines.length,
      };
    });
  }

  /**
   * Offset among matching lines of the first line at or after `time`. Lines are
   * in time order; a malformed line has no time and counts as part of the line
   * before it. Throws on an unreadable time.
   */
  findTime(filter: LogFilter, time: string): Promise<number> {
    const target = Date.parse(time);
    if (Number.isNaN(target)) return Promise.reject(new Error(`not a time: ${time.slice(0, 64)}`));
    return this.exclusive(async () => {
      const { lines } = await this.matches(filter);
      let lo = 0;
      let hi = this.index.lines;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((await this.effectiveTime(mid)) < target) lo = mid + 1;
        else hi = mid;
      }
      return lines.countBelow(lo);
    });
  }

  async close(): Promise<void> {
    await this.exclusive(() => this.index.close());
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The time of the nearest well-formed line at or before `line`; -Infinity if none. */
  private async effectiveTime(line: number): Promise<number> {
    const codes = this.index.levelCodes;
    let at = line;
    while (at >= 0 && codes[at] === MALFORMED) at--;
    if (at < 0) return -Infinity;
    const [text] = await this.index.readLines([at]);
    const parsed = parseLogLine(text ?? '');
    // Cannot fail for a line indexed as well-formed, unless the file changed under us.
    return parsed.ok ? Date.parse(parsed.entry.time) : -Infinity;
  }

  private async matches(filter: LogFilter): Promise<Matches> {
    const key = `${filter.minLevel}\n${filter.text}`;
    let entry = this.cache.get(key);
    if (entry) this.cache.delete(key);
    else entry = { lines: new LineList(), upTo: 0 };
    // Re-inserted last: the Map's order is the eviction order.
    this.cache.set(key, entry);
    while (this.cache.size > CACHED_FILTERS) this.cache.delete(this.cache.keys().next().value!);
    const total = this.index.lines;
    if (entry.upTo < total) {
      const spec = { rank: levelRank(filter.minLevel), text: filter.text };
      try {
        await collectMatches(this.index, spec, entry.upTo, total, entry.lines);
      } catch (err) {
        // A half-filled list must not be extended later as if it were complete.
        this.cache.delete(key);
        throw err;
      }
      entry.upTo = total;
    }
    return entry;
  }
}
