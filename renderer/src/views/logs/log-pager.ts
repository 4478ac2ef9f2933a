/**
 * The viewer's window onto one log (or both, interleaved) with one filter.
 * The log may have a million lines, so it is never read whole: the list says
 * which rows it shows (`want`), and the pager fetches the few 200-line pages
 * that cover them, keeps a bounded cache of recent pages, and learns the
 * counts (matching, total) from every answer. All work is proportional to the
 * rows on screen, never to the log's size.
 *
 * An answer may hold fewer lines than asked (answers are bounded in bytes, so
 * a page of very long lines comes in parts): a page is kept as far as it
 * came, and the rest is asked for when those rows are wanted. Every answer
 * carries the log's generation; a new one (a rotation) voids the cache.
 */
import type { Client } from '../../../../ipc/client.js';
import type { LogFilter, LogLine, LogProcess, LogSource } from '../../../../ipc/schema.js';
import { userMessage } from '../../ipc/errors.js';
import { Lru } from './lru.js';

export const PAGE_SIZE = 200;
/** 25 pages: 5,000 lines, enough to scroll back and forth without refetching. */
const MAX_PAGES = 25;
/** Pages fetched at once; more would only queue behind each other in the app. */
const MAX_IN_FLIGHT = 3;

export class LogPager {
  matching: number | null = null;
  total: number | null = null;
  error: string | null = null;

  private generation: string | null = null;
  /** Page -> its lines from the first on, as far as they have come. */
  private readonly pages = new Lru<number, LogLine[]>(MAX_PAGES);
  /** Page -> number of the latest request for it; older answers are ignored. */
  private readonly inFlight = new Map<number, number>();
  private requests = 0;
  private wanted: [number, number] = [0, PAGE_SIZE];
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private disposed = false;
  private tailBusy = false;
  private tailAgain = false;

  constructor(
    private readonly client: Client,
    readonly source: LogSource,
    readonly filter: LogFilter,
  ) {
    this.pump();
  }

  /** Whether growth of `process`'s log concerns this view. */
  covers(process: LogProcess): boolean {
    return this.source === 'both' || this.source === process;
  }

  /** The matching line at `index`, if it is here. */
  line(index: number): LogLine | undefined {
    return this.pages.peek(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** The rows [from, to) are on screen (with overscan): fetch what is missing. */
  want(from: number, to: number): void {
    this.wanted = [Math.max(0, from), Math.max(from + 1, to)];
    this.pump();
  }

  /**
   * The log grew or was rotated. Re-reads the page where new lines land (for
   * both logs interleaved, also the one before: a line one process wrote
   * may sort just before the other's latest); its answer gives the new
   * counts and generation, and a following list then scrolls to the end,
   * which fetches the tail through `want`. Coalesced: growth events can come
   * faster than answers.
   */
  refreshTail(): void {
    if (this.disposed) return;
    if (this.tailBusy) {
      this.tailAgain = true;
      return;
    }
    this.tailBusy = true;
    const matching = this.matching ?? 0;
    const page = Math.floor(matching / PAGE_SIZE);
    const slack = this.source === 'both' ? PAGE_SIZE : 0;
    const stale = Math.floor(Math.max(0, matching - slack) / PAGE_SIZE);
    for (const key of this.pages.keys()) if (key >= stale) this.pages.delete(key);
    void this.fetch(page).finally(() => {
      this.tailBusy = false;
      if (this.tailAgain) {
        this.tailAgain = false;
        this.refreshTail();
      }
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  /** Lines page `page` has when complete, as far as the counts are known. */
  private expected(page: number): number {
    if (this.matching === null) return PAGE_SIZE;
    return Math.max(0, Math.min(PAGE_SIZE, this.matching - page * PAGE_SIZE));
  }

  private pump(): void {
    if (this.disposed) return;
    const [from, to] = this.wanted;
    const end = this.matching === null ? to : Math.min(to, this.matching);
    const first = Math.floor(from / PAGE_SIZE);
    const last = Math.max(first, Math.floor((end - 1) / PAGE_SIZE));
    for (let page = first; page <= last; page++) {
      const have = this.pages.peek(page);
      if (have) this.pages.touch(page);
      // A part of a page is enough while the rows wanted are in that part.
      const missing =
        !have || (have.length < this.expected(page) && page * PAGE_SIZE + have.length < end);
      if (missing && !this.inFlight.has(page) && this.inFlight.size < MAX_IN_FLIGHT) {
        void this.fetch(page);
      }
    }
  }

  private async fetch(page: number): Promise<void> {
    const request = ++this.requests;
    this.inFlight.set(page, request);
    const before = this.pages.peek(page);
    const have = before?.length ?? 0;
    let progressed = false;
    try {
      const answer = await this.client.readLogs({
        source: this.source,
        filter: this.filter,
        offset: page * PAGE_SIZE + have,
        limit: PAGE_SIZE - have,
      });
      if (this.disposed || this.inFlight.get(page) !== request) return;
      this.inFlight.delete(page);
      if (this.generation !== null && answer.generation !== this.generation) {
        // Offsets moved under every page kept: start over from this answer's counts.
        this.pages.clear();
        this.inFlight.clear();
        if (have === 0) this.pages.set(page, answer.lines);
      } else if (have === 0 || this.pages.peek(page) === before) {
        this.pages.set(page, have === 0 ? answer.lines : [...before!, ...answer.lines]);
      }
      progressed = answer.lines.length > 0;
      this.generation = answer.generation;
      this.matching = answer.matching;
      this.total = answer.totalLines;
      this.error = null;
    } catch (error) {
      if (this.disposed || this.inFlight.get(page) !== request) return;
      this.inFlight.delete(page);
      this.error = userMessage(error);
    }
    this.changed();
    // Only pages still on screen: while scrolling fast, the ones passed by are skipped.
    // An answer with no lines where more were expected is not asked again at once.
    if (this.error === null && progressed) this.pump();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
