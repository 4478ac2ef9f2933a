/**
 * One process's log as the viewer sees it: its file and the files rotated out
 * of it as one timeline, oldest first (log-timeline.ts). For a filter (see
 * line-filter.ts): how many lines match, any page of them as schema LogLine
 * objects, and where a point in time falls among them. Matching line numbers
 * are computed once per file and filter and kept (a few recent filters): a
 * rotated file never changes, so its matches survive the rotations that
 * rename it; the newest file's are extended as it grows. Operations run one at
 * a time, so a refresh never changes the index under a query that has yielded.
 */
import { randomBytes } from 'node:crypto';
import type { LogFilter, LogLine, LogProcess } from '../../ipc/schema.js';
import { levelRank } from './levels.js';
import { MALFORMED } from './line-shape.js';
import type { LogFileIndex } from './log-file-index.js';
import { collectMatches, LineList, type Scanned } from './line-filter.js';
import { MAX_LINE_READ, toLogLine } from './log-line.js';
import { LogTimeline, type TimelineOptions } from './log-timeline.js';
import { linesWithin, PAGE_BYTES } from './page-budget.js';

export interface LogViewOptions extends TimelineOptions {
  /** Whose log this is; every line says so. */
  process: LogProcess;
}

export interface LogPage {
  lines: LogLine[];
  totalLines: number;
  /** All matching lines when `counted`, else those found so far (a partial page). */
  matching: number;
  counted: boolean;
  /** Changes whenever offsets from earlier answers may no longer hold. */
  generation: string;
}

export interface PageOptions {
  /**
   * Stop filtering once the page's lines are found (the answer is then
   * `counted: false` unless the scan reached the end anyway): a search's
   * first rows come without waiting for the whole log.
   */
  partial?: boolean;
  /** Aborts the work between chunks (a search the user moved on from). */
  signal?: AbortSignal;
}

/** Each file's matching lines, oldest first; `complete` when every file was filtered to its end. */
interface Found {
  lists: LineList[];
  complete: boolean;
}

interface FileMatches {
  /** The file's `resets` these were computed under. */
  resets: number;
  byFilter: Map<string, Scanned>;
}

/** Recent filters kept: typing in the search box revisits them. */
const CACHED_FILTERS = 4;
/** What a line costs in a page besides its text (keys, numbers, the file name), for estimates. */
const LINE_OVERHEAD = 128;

export class LogView {
  private readonly timeline: LogTimeline;
  private readonly cache = new WeakMap<LogFileIndex, FileMatches>();
  private queue: Promise<unknown> = Promise.resolve();
  private resets = 0;
  /** Tells this view's generations from another's (the helper restarted, say). */
  private readonly instance = randomBytes(4).toString('hex');

  private constructor(
    path: string,
    private readonly options: LogViewOptions,
  ) {
    this.timeline = new LogTimeline(path, options);
  }

  /** Indexes the log; a missing file is an empty log that may appear later. */
  static async open(path: string, options: LogViewOptions): Promise<LogView> {
    const view = new LogView(path, options);
    await view.refresh();
    return view;
  }

  get path(): string {
    return this.timeline.basePath;
  }

  get process(): LogProcess {
    return this.options.process;
  }

  /** Complete lines in the log's files as of the last refresh. */
  get totalLines(): number {
    return this.timeline.lines;
  }

  /** Changes when line numbers given out before may have moved (rotation, truncation). */
  get generation(): string {
    return `${this.process}:${this.instance}:${this.resets}`;
  }

  /** The log's files, oldest first (for tests and diagnostics). */
  get files(): { name: string; lines: number; identity: string }[] {
    return this.timeline.files.map((f) => ({
      name: f.name,
      lines: f.lines,
      identity: f.identity,
    }));
  }

  /** Files indexed since the view opened (each once, whatever it was renamed to since). */
  get indexedFiles(): number {
    return this.timeline.indexedFiles;
  }

  /** Picks up appended lines, rotations and truncations. */
  refresh(): Promise<{ changed: boolean; added: number; totalLines: number }> {
    return this.exclusive(async () => {
      const result = await this.timeline.refresh();
      if (result.changed) this.resets++;
      return { ...result, totalLines: this.timeline.lines };
    });
  }

  /** How many lines match. */
  count(filter: LogFilter, signal?: AbortSignal): Promise<number> {
    return this.exclusive(async () => {
      signal?.throwIfAborted();
      const { lists } = await this.matches(filter, Infinity, signal);
      return lists.reduce((n, m) => n + m.length, 0);
    });
  }

  /**
   * Matching lines [offset, offset + limit), with the counts the viewer shows.
   * Fewer lines come back when more would pass `budget` bytes serialised.
   */
  page(
    filter: LogFilter,
    offset: number,
    limit: number,
    budget = PAGE_BYTES,
    options: PageOptions = {},
  ): Promise<LogPage> {
    return this.exclusive(async () => {
      options.signal?.throwIfAborted();
      const need = options.partial ? Math.max(0, offset) + Math.max(0, limit) : Infinity;
      const { lists, complete } = await this.matches(filter, need, options.signal);
      const files = this.timeline.files;
      const matching = lists.reduce((n, m) => n + m.length, 0);
      const from = Math.min(Math.max(0, offset), matching);
      const end = Math.min(matching, from + Math.max(0, limit));
      // Which lines, file by file, estimated from their sizes so that a page of
      // huge lines is not read whole only to be cut.
      const chosen: { file: number; lines: number[] }[] = [];
      let k = 0;
      let before = 0;
      let estimate = 0;
      let taken = 0;
      for (let at = from; at < end; at++) {
        while (at - before >= lists[k]!.length) before += lists[k++]!.length;
        const local = lists[k]!.get(at - before);
        const size = Math.min(files[k]!.lineBytes(local), MAX_LINE_READ) + LINE_OVERHEAD;
        if (taken > 0 && estimate + size > budget) break;
        estimate += size;
        taken++;
        const last = chosen[chosen.length - 1];
        if (last?.file === k) last.lines.push(local);
        else chosen.push({ file: k, lines: [local] });
      }
      const lines: LogLine[] = [];
      const globals: number[] = [];
      for (const { file, lines: locals } of chosen) {
        const index = files[file]!;
        const texts = await index.readLines(locals, MAX_LINE_READ);
        locals.forEach((local, j) => {
          const origin = { process: this.process, file: index.name, line: local };
          lines.push(toLogLine(origin, texts[j]!, index.lineBytes(local)));
          globals.push(this.timeline.firstLineOf(file) + local);
        });
      }
      await this.fillLastTimes(lines, globals);
      lines.length = linesWithin(lines, budget);
      return {
        lines,
        totalLines: this.timeline.lines,
        matching,
        counted: complete,
        generation: this.generation,
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
      const { lists } = await this.matches(filter, Infinity);
      let lo = 0;
      let hi = this.timeline.lines;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const at = await this.timeAtOrBefore(mid);
        if ((at === null ? -Infinity : Date.parse(at)) < target) lo = mid + 1;
        else hi = mid;
      }
      let below = 0;
      const files = this.timeline.files;
      for (let k = 0; k < files.length; k++) {
        const first = this.timeline.firstLineOf(k);
        if (lo >= first + files[k]!.lines) below += lists[k]!.length;
        else {
          below += lists[k]!.countBelow(lo - first);
          break;
        }
      }
      return below;
    });
  }

  async close(): Promise<void> {
    await this.exclusive(() => this.timeline.close());
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Sets `lastTime` of the malformed lines among `lines` (at timeline lines `globals`, ascending). */
  private async fillLastTimes(lines: LogLine[], globals: number[]): Promise<void> {
    let known: { line: number; time: string | null } | undefined;
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.ok) {
        known = { line: globals[j]!, time: line.time };
        continue;
      }
      line.lastTime = await this.timeAtOrBefore(globals[j]! - 1, known);
      known = { line: globals[j]!, time: line.lastTime };
    }
  }

  /**
   * The time of the nearest line at or before timeline line `at` that has one
   * (is shown as a well-formed line), or null. `known` is the answer for an
   * earlier line, where the walk back may stop.
   */
  private async timeAtOrBefore(
    at: number,
    known?: { line: number; time: string | null },
  ): Promise<string | null> {
    if (at < 0 || this.timeline.lines === 0) return null;
    const files = this.timeline.files;
    const start = this.timeline.locate(Math.min(at, this.timeline.lines - 1));
    let local: number | undefined = start.local;
    for (let k = start.file; k >= 0; k--) {
      const index = files[k]!;
      const first = this.timeline.firstLineOf(k);
      if (local === undefined) local = index.lines - 1;
      const codes = index.levelCodes;
      for (; local >= 0; local--) {
        if (known && first + local <= known.line) return known.time;
        if (codes[local] === MALFORMED) continue;
        const [text] = await index.readLines([local], MAX_LINE_READ);
        const line = toLogLine(
          { process: this.process, file: index.name, line: local },
          text ?? '',
          index.lineBytes(local),
        );
        if (line.ok) return line.time;
      }
      local = undefined;
    }
    return null;
  }

  /**
   * Each file's matching lines, oldest file first, filtered until at least
   * `need` are known (Infinity: all). Stopped early, the lists cover only the
   * files up to where the scan stopped (a later file's cached matches are not
   * counted before an earlier file's are complete) and `complete` is false.
   */
  private async matches(filter: LogFilter, need: number, signal?: AbortSignal): Promise<Found> {
    const key = `${filter.minLevel}\n${filter.text}`;
    const spec = { rank: levelRank(filter.minLevel), text: filter.text };
    const lists: LineList[] = [];
    let found = 0;
    for (const index of this.timeline.files) {
      let mine = this.cache.get(index);
      if (!mine || mine.resets !== index.resets) {
        mine = { resets: index.resets, byFilter: new Map() };
        this.cache.set(index, mine);
      }
      let entry = mine.byFilter.get(key);
      if (entry) mine.byFilter.delete(key);
      else entry = { lines: new LineList(), upTo: 0 };
      // Re-inserted last: the Map's order is the eviction order.
      mine.byFilter.set(key, entry);
      while (mine.byFilter.size > CACHED_FILTERS) {
        mine.byFilter.delete(mine.byFilter.keys().next().value!);
      }
      const total = index.lines;
      if (entry.upTo < total) {
        // A level filter alone costs a byte a line: it is always counted whole.
        if (found >= need && spec.text !== '') return { lists, complete: false };
        const before = found;
        const scanned = entry;
        try {
          await collectMatches(index, spec, entry, total, {
            enough: () => before + scanned.lines.length >= need,
            ...(signal ? { signal } : {}),
          });
        } catch (err) {
          // Aborted between chunks, the list is whole up to upTo and is kept; any other
          // failure may have left it half-filled, which must not be extended as if complete.
          if (!signal?.aborted) mine.byFilter.delete(key);
          throw err;
        }
      }
      lists.push(entry.lines);
      found += entry.lines.length;
      if (entry.upTo < total) return { lists, complete: false };
    }
    return { lists, complete: true };
  }
}
