/**
 * Two logs interleaved by time, as one log (the viewer's "Both"): the app's
 * own, read here, and the helper's, which only the helper may read and hands
 * over through readLogs. Both are reached through LogReader, which a local
 * LogView (through LogService.reader) and the remote helper both satisfy, so
 * the merge never needs more than pages of each.
 *
 * The order: by the time a line sorts by (sortTime: its own, or for a
 * malformed line that of the line before it in its log), then the first log
 * before the second at equal times, then each log's own order. A malformed
 * line therefore stays right after the line it follows. Each log is in time
 * order (the logger writes it so; findTime relies on it too), which makes the
 * merged order a merge of two sorted sequences: the filtered view is the same
 * order restricted to matching lines, and the page at merged offset k starts
 * at the split a + b = k found by binary search with single-line reads of
 * each log (the merge path). A log whose clock went back interleaves only
 * approximately around that point.
 */
import type { LogFilter, LogLine } from '../../ipc/schema.js';
import { CommandError } from '../../ipc/server.js';
import { sortTime } from './log-line.js';
import type { LogPage } from './log-query.js';
import { linesWithin, PAGE_BYTES } from './page-budget.js';

export interface LogReader {
  /** Matching lines [offset, offset + limit) or fewer (a byte budget), with counts. */
  read(filter: LogFilter, offset: number, limit: number): Promise<LogPage>;
  /** Offset among matching lines of the first line at or after `time`. */
  findTime(filter: LogFilter, time: string): Promise<number>;
}

/** Attempts at a page whose logs rotated while it was being put together. */
const ATTEMPTS = 3;

class Inconsistent extends Error {}

/** One read's view of a log: the lines fetched so far by offset, and what the log said. */
class Probe {
  private readonly lines = new Map<number, LogLine>();
  constructor(
    private readonly reader: LogReader,
    private readonly filter: LogFilter,
    readonly first: LogPage,
  ) {}

  get matching(): number {
    return this.first.matching;
  }

  async line(offset: number): Promise<LogLine> {
    const have = this.lines.get(offset);
    if (have) return have;
    const page = await this.reader.read(this.filter, offset, 1);
    this.check(page);
    const line = page.lines[0];
    // The log shrank without a new generation: cannot happen, but must not loop.
    if (!line) throw new Inconsistent();
    this.lines.set(offset, line);
    return line;
  }

  check(page: LogPage): void {
    if (page.generation !== this.first.generation) throw new Inconsistent();
  }
}

const emptyPage = (like: LogPage): LogPage => ({ ...like, lines: [] });

export class MergedLog implements LogReader {
  /** `first` wins ties. */
  constructor(
    private readonly first: LogReader,
    private readonly second: LogReader,
    private readonly budget = PAGE_BYTES,
  ) {}

  async read(filter: LogFilter, offset: number, limit: number): Promise<LogPage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(filter, offset, limit);
      } catch (err) {
        if (!(err instanceof Inconsistent)) throw err;
        if (attempt >= ATTEMPTS) {
          throw new CommandError('busy', 'The logs kept changing while being read; try again.');
        }
      }
    }
  }

  async findTime(filter: LogFilter, time: string): Promise<number> {
    const [a, b] = await Promise.all([
      this.first.findTime(filter, time),
      this.second.findTime(filter, time),
    ]);
    return a + b;
  }

  private async attempt(filter: LogFilter, offset: number, limit: number): Promise<LogPage> {
    const [a0, b0] = await Promise.all([
      this.first.read(filter, 0, 1),
      this.second.read(filter, 0, 1),
    ]);
    const A = new Probe(this.first, filter, a0);
    const B = new Probe(this.second, filter, b0);
    const matching = A.matching + B.matching;
    const k = Math.min(Math.max(0, offset), matching);
    const want = Math.min(Math.max(0, limit), matching - k);
    const a = await this.split(A, B, k);
    const b = k - a;
    const [runA, runB] = await Promise.all([
      a < A.matching && want > 0 ? this.first.read(filter, a, want) : emptyPage(a0),
      b < B.matching && want > 0 ? this.second.read(filter, b, want) : emptyPage(b0),
    ]);
    A.check(runA);
    B.check(runB);
    // Counts as of the runs: the logs may have grown meanwhile, which moves nothing before k.
    const endA = runA.matching;
    const endB = runB.matching;
    const lines: LogLine[] = [];
    let i = 0;
    let j = 0;
    while (lines.length < want) {
      const x = runA.lines[i];
      const y = runB.lines[j];
      if (x && y) {
        if (sortTime(x) <= sortTime(y)) lines.push(runA.lines[i++]!);
        else lines.push(runB.lines[j++]!);
      } else if (x && b + j >= endB) lines.push(runA.lines[i++]!);
      else if (y && a + i >= endA) lines.push(runB.lines[j++]!);
      // One run ended (its page was cut short) before its log did: the next page goes on.
      else break;
    }
    lines.length = linesWithin(lines, this.budget);
    return {
      lines,
      totalLines: runA.totalLines + runB.totalLines,
      matching: endA + endB,
      // Each log's reads count (none is partial), so the merge's count is whole too.
      counted: runA.counted && runB.counted,
      generation: `${a0.generation}|${b0.generation}`,
    };
  }

  /**
   * How many of the first k merged lines come from the first log: the least a
   * for which the first log's line a sorts after the second's line k - a - 1.
   */
  private async split(A: Probe, B: Probe, k: number): Promise<number> {
    let lo = Math.max(0, k - B.matching);
    let hi = Math.min(k, A.matching);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const [x, y] = await Promise.all([A.line(mid), B.line(k - mid - 1)]);
      if (sortTime(x) > sortTime(y)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
