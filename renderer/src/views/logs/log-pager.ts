/**
 * The viewer's window onto one log with one filter. The log may have a
 * million lines, so it is never read whole: the list says which rows it
 * shows (`want`), and the pager fetches the few 200-line pages that cover
 * them, keeps a bounded cache of recent pages, and learns the counts
 * (matching, total) from every answer. All work is proportional to the
 * rows on screen, never to the log's size.
 */
import type { Client } from '../../../../ipc/client.js';
import type { LogFilter, LogLine, LogProcess } from '../../../../ipc/schema.js';
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
    readonly process: LogProcess,
    readonly filter: LogFilter,
  ) {
    this.pump();
  }

  /** The matching line at `index`, if its page is here. */
  line(index: number): LogLine | undefined {
    return this.pages.peek(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** The rows [from, to) are on screen (with overscan): fetch what is missing. */
  want(from: number, to: number): void {
    this.wanted = [Math.max(0, from), Math.max(from + 1, to)];
    this.pump();
  }

  /**
   * The log grew (or was rotated: fewer lines than before). Re-reads the page
   * where new lines land; its answer gives the new counts, and a following
   * list then scrolls to the end, which fetches the tail through `want`.
   * Coalesced: growth events can come faster than answers.
   */
  refreshTail(totalLines: number | null): void {
    if (this.disposed) return;
    if (totalLines !== null && this.total !== null && totalLines < this.total) {
      this.reset();
      return;
    }
    if (totalLines !== null && totalLines === this.total) return;
    if (this.tailBusy) {
      this.tailAgain = true;
      return;
    }
    this.tailBusy = true;
    const page = Math.floor((this.matching ?? 0) / PAGE_SIZE);
    for (const key of this.pages.keys()) if (key >= page) this.pages.delete(key);
    void this.fetch(page).finally(() => {
      this.tailBusy = false;
      if (this.tailAgain) {
        this.tailAgain = false;
        this.refreshTail(null);
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

  private reset(): void {
    this.pages.clear();
    this.inFlight.clear();
    this.matching = null;
    this.total = null;
    this.changed();
    this.pump();
  }

  private pump(): void {
    if (this.disposed) return;
    const [from, to] = this.wanted;
    const end = this.matching === null ? to : Math.min(to, this.matching);
    const first = Math.floor(from / PAGE_SIZE);
    const last = Math.max(first, Math.floor((end - 1) / PAGE_SIZE));
    for (let page = first; page <= last; page++) {
      if (this.pages.has(page)) this.pages.touch(page);
      else if (!this.inFlight.has(page) && this.inFlight.size < MAX_IN_FLIGHT) {
        void this.fetch(page);
      }
    }
  }

  private async fetch(page: number): Promise<void> {
    const request = ++this.requests;
    this.inFlight.set(page, request);
    try {
      const answer = await this.client.readLogs({
        process: this.process,
        filter: this.filter,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (this.disposed || this.inFlight.get(page) !== request) return;
      this.inFlight.delete(page);
      this.pages.set(page, answer.lines);
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
    if (this.error === null) this.pump();
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
