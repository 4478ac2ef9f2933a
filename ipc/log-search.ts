/**
 * One search of the log viewer as the client side runs it (the renderer's
 * pager, and tests): every read and count carries the search's id, and
 * `cancel()` (the user typed again, or left) tells the other side to stop
 * whatever of it is still running (cancelLogSearch) and turns every answer
 * still to come into null, so a stale search never shows its late results.
 *
 * The flow: the first page is asked for `partial` (answered as soon as its
 * lines are found, `counted: false`), then countLogs gives the count.
 */
import { IpcError, type Client } from './client.js';
import type { LogFilter, LogSource, ResponseOf } from './schema.js';

export type SearchClient = Pick<Client, 'readLogs' | 'countLogs' | 'cancelLogSearch'>;
export type PageAnswer = ResponseOf<'readLogs'>;
export type CountAnswer = ResponseOf<'countLogs'>;

/**
 * A fresh id: 128 random bits, so one search's cancel cannot name another's.
 * getRandomValues rather than randomUUID, which pages outside a secure context lack.
 */
export function newSearchId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class LogSearch {
  readonly id = newSearchId();
  private cancelled = false;
  /** Requests sent and not yet answered: only then is there anything to stop. */
  private pending = 0;

  constructor(
    private readonly client: SearchClient,
    readonly source: LogSource,
    readonly filter: LogFilter,
  ) {}

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Matching lines [offset, offset + limit); null once cancelled (drop it). */
  read(offset: number, limit: number, partial: boolean): Promise<PageAnswer | null> {
    return this.ask(() =>
      this.client.readLogs({
        source: this.source,
        filter: this.filter,
        offset,
        limit,
        partial,
        search: this.id,
      }),
    );
  }

  /** The number of matching lines; null once cancelled. */
  count(): Promise<CountAnswer | null> {
    return this.ask(() =>
      this.client.countLogs({ source: this.source, filter: this.filter, search: this.id }),
    );
  }

  /** Stops the search here and, when something of it is under way, on the other side. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.pending > 0) {
      // Best effort: if it cannot be delivered, the answers are dropped here all the same.
      void this.client.cancelLogSearch({ search: this.id }).catch(() => undefined);
    }
  }

  private async ask<T>(request: () => Promise<T>): Promise<T | null> {
    if (this.cancelled) return null;
    this.pending++;
    try {
      const answer = await request();
      return this.cancelled ? null : answer;
    } catch (error) {
      if (this.cancelled || (error instanceof IpcError && error.code === 'cancelled')) return null;
      throw error;
    } finally {
      this.pending--;
    }
  }
}
