/**
 * The searches under way in one process, by the id the viewer gave each
 * (readLogs' and countLogs' `search`), so that cancelLogSearch can stop them.
 * A search the user has moved on from would otherwise go on reading the
 * whole log and hold the log's queue (log-query.ts runs one operation at a
 * time) while the new search waits behind it.
 *
 * A cancelled id is remembered for a while: a read or count of that search
 * that arrives after the cancel (the two may cross on the way) is refused at
 * once instead of running.
 */
import { CommandError } from '../../ipc/server.js';

/** Cancelled ids remembered; older ones are forgotten first. */
const REMEMBERED = 256;

export const cancelledError = () =>
  new CommandError('cancelled', 'The search was replaced by a newer one.');

export class LogSearches {
  private readonly running = new Map<string, Set<AbortController>>();
  private readonly cancelled = new Set<string>();

  /** Runs `work` with a signal that cancel(id) aborts; without an id, with none. */
  async run<T>(id: string | undefined, work: (signal?: AbortSignal) => Promise<T>): Promise<T> {
    if (id === undefined) return work();
    if (this.cancelled.has(id)) throw cancelledError();
    const controller = new AbortController();
    let set = this.running.get(id);
    if (!set) this.running.set(id, (set = new Set()));
    set.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      set.delete(controller);
      if (set.size === 0) this.running.delete(id);
    }
  }

  /** Stops the search's work under way (it fails with 'cancelled') and refuses what comes later. */
  cancel(id: string): void {
    this.cancelled.add(id);
    if (this.cancelled.size > REMEMBERED) {
      this.cancelled.delete(this.cancelled.values().next().value!);
    }
    for (const controller of this.running.get(id) ?? []) controller.abort(cancelledError());
  }

  /** Operations under way (for tests). */
  get active(): number {
    let n = 0;
    for (const set of this.running.values()) n += set.size;
    return n;
  }
}
