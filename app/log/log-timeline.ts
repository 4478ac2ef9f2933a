/**
 * One log as one timeline: its file and the files rotated out of it, oldest
 * first (`main.jsonl.5` … `main.jsonl.1`, `main.jsonl`), their lines numbered
 * on from one file to the next. Each file keeps its index (log-file-index.ts)
 * for as long as it exists under any name: a rotation, which renames every
 * file and starts a new empty one, costs a directory listing, not a re-index.
 *
 * Line numbers stay valid while only the newest file grows. Anything else (a
 * rotation, a file removed, added or cut short, an old file that changed)
 * makes `refresh()` report `changed`: numbers given out before may now point
 * elsewhere.
 */
import { LogFileIndex, type IndexOptions } from './log-file-index.js';
import { isPermissionError, listLogFiles, openLogFile } from './log-files.js';

export type TimelineOptions = IndexOptions;

export interface TimelineRefresh {
  /** Earlier line numbers may no longer hold. */
  changed: boolean;
  /** Lines added at the end (when not `changed`). */
  added: number;
}

export class LogTimeline {
  private list: LogFileIndex[] = [];
  private opened = 0;
  /** Timeline line number of each file's first line; one more entry: the total. */
  private firsts: number[] = [0];

  constructor(
    readonly basePath: string,
    private readonly options: TimelineOptions = {},
  ) {}

  /** Oldest first. */
  get files(): readonly LogFileIndex[] {
    return this.list;
  }

  get lines(): number {
    return this.firsts[this.firsts.length - 1]!;
  }

  /** Files indexed since the timeline was made: a rotation adds one (the new file), not all. */
  get indexedFiles(): number {
    return this.opened;
  }

  /** Timeline line number of file k's first line (k === files.length: the total). */
  firstLineOf(k: number): number {
    return this.firsts[k]!;
  }

  /** The file holding timeline line `line` (< lines), and the line's number in it. */
  locate(line: number): { file: number; local: number } {
    let k = this.list.length - 1;
    while (k > 0 && this.firsts[k]! > line) k--;
    return { file: k, local: line - this.firsts[k]! };
  }

  async refresh(): Promise<TimelineRefresh> {
    const listed = await listLogFiles(this.basePath);
    const known = new Map(this.list.map((f) => [f.identity, f]));
    const base = listed[listed.length - 1];
    const kept = new Map<string, LogFileIndex>();
    for (const entry of [...listed].reverse()) {
      let index = known.get(entry.identity);
      if (!index) {
        let opened;
        try {
          opened = await openLogFile(entry);
        } catch (err) {
          // An old file we may not read is a gap in the history; the log itself must be readable.
          if (isPermissionError(err) && entry !== base) continue;
          throw err;
        }
        if (!opened) continue;
        index = new LogFileIndex(opened, entry.name, this.options);
        this.opened++;
      }
      index.name = entry.name;
      kept.set(entry.identity, index);
    }
    const next = listed.filter((e) => kept.has(e.identity)).map((e) => kept.get(e.identity)!);
    for (const f of this.list) if (!kept.has(f.identity)) await f.close();

    const before = this.lines;
    let changed = next.length !== this.list.length || next.some((f, k) => f !== this.list[k]);
    for (let k = 0; k < next.length; k++) {
      const f = next[k]!;
      const had = f.lines;
      const result = await f.refresh();
      if (result.reset) changed = true;
      // Only the newest file may grow without moving anybody's line numbers.
      if (k < next.length - 1 && f.lines !== had && known.has(f.identity)) changed = true;
    }
    // Nothing was numbered yet: nothing to invalidate.
    if (before === 0) changed = false;
    this.list = next;
    this.firsts = [0];
    for (const f of next) this.firsts.push(this.firsts[this.firsts.length - 1]! + f.lines);
    return { changed, added: changed ? this.lines : this.lines - before };
  }

  async close(): Promise<void> {
    for (const f of this.list) await f.close();
    this.list = [];
    this.firsts = [0];
  }
}
