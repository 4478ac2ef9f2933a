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
 *
 * A search's first page comes before the log has been searched to its end
 * (ipc/log-search.ts): until the count arrives, `counted` is false and
 * `matching` is only how many lines are known to match, which is enough to
 * show the first rows. Disposing the pager (a new query) cancels whatever of
 * its search is still running and drops its late answers.
 */
import type { Client } from '../../../../ipc/client.js';
import { LogSearch } from '../../../../ipc/log-search.js';
import type { LogFilter, LogLine, LogProcess, LogSource } from '../../../../ipc/schema.js';
import { userMessage } from '../../ipc/errors.js';
import { Lru } from './lru.js';

export const PAGE_SIZE = 200;
/** 25 pages: 5,000 lines, enough to scroll back and forth without refetching. */
const MAX_PAGES = 25;
/** Pages fetched at once; more would only queue behind each other in the app. */
const MAX_IN_FLIGHT = 3;

export class LogPager {
  /** Matching lines: all of them once `counted`, before that those found so far. */
  matching: number | null = null;
  /** Whether `matching` is the whole count (the search has been through the whole log). */
  counted = false;
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
  private readonly search: LogSearch;
  private countAsked = false;
  private countWaiters: (() => void)[] = [];

  constructor(
    client: Client,
    readonly source: LogSource,
    readonly filter: LogFilter,
  ) {
    this.search = new LogSearch(client, source, filter);
    this.pump();
  }

  /** Resolves once the count is known (or the pager is gone). */
  whenCounted(): Promise<void> {
    if (this.counted || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.countWaiters.push(resolve));
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
    // Until the count is known there is no tail to re-read; the count, when it comes, is newer.
    if (this.tailBusy || !this.counted) {
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
    this.search.cancel();
    this.listeners.clear();
    this.settleCount();
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
      // Partial until counted: the rows come as soon as they are found.
      const answer = await this.search.read(
        page * PAGE_SIZE + have,
        PAGE_SIZE - have,
        !this.counted,
      );
      // null: the search was cancelled, and its late answers are dropped.
      if (answer === null || this.disposed || this.inFlight.get(page) !== request) return;
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
      if (answer.counted) {
        this.matching = answer.matching;
        this.counted = true;
      } else if (!this.counted) {
        // Lines found so far; an answer that left the count open after it came keeps it.
        this.matching = Math.max(this.matching ?? 0, answer.matching);
        this.askCount();
      }
      this.total = answer.totalLines;
      this.error = null;
      if (this.counted) this.settleCount();
    } catch (error) {
      if (this.disposed || this.inFlight.get(page) !== request) return;
      this.inFlight.delete(page);
      this.error = userMessage(error);
    }
    this.changed();
    // Growth reported before the first answer waited for it (see refreshTail).
    if (this.counted && this.tailAgain && !this.tailBusy) {
      this.tailAgain = false;
      this.refreshTail();
    }
    // Only pages still on screen: while scrolling fast, the ones passed by are skipped.
    // An answer with no lines where more were expected is not asked again at once.
    if (this.error === null && progressed) this.pump();
  }

  /** The count the first (partial) page left open; asked once per search. */
  private askCount(): void {
    if (this.countAsked) return;
    this.countAsked = true;
    this.search.count().then(
      (count) => {
        if (count === null || this.disposed) return;
        if (this.generation !== null && count.generation !== this.generation) {
          // The log moved on while it was counted: the pages kept are void, the count is new.
          this.pages.clear();
          this.inFlight.clear();
        }
        this.generation = count.generation;
        this.matching = count.matching;
        this.total = count.totalLines;
        this.counted = true;
        this.settleCount();
        this.changed();
        this.pump();
        if (this.tailAgain) {
          this.tailAgain = false;
          this.refreshTail();
        }
      },
      (error: unknown) => {
        if (this.disposed) return;
        this.error = userMessage(error);
        this.settleCount();
        this.changed();
      },
    );
  }

  private settleCount(): void {
    const waiters = this.countWaiters;
    this.countWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
