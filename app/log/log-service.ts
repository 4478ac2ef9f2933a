/**
 * What the log commands call: one LogView per process log in a directory
 * (`<dir>/main.jsonl`, `<dir>/helper.jsonl`, each with its rotated files),
 * opened on first use and kept, answering readLogs and findLogTime in the
 * schema's shapes. A missing file is an empty log, not an error. `watch` polls
 * the open views and reports growth and rotation, which becomes the logGrowth
 * event. Both logs interleaved ('both') are assembled by whoever can reach
 * both (merged-log.ts), not here.
 */
import type { LogFilter, LogProcess, RequestOf, ResponseOf } from '../../ipc/schema.js';
import { CommandError } from '../../ipc/server.js';
import { logFile } from './location.js';
import { LogView } from './log-query.js';
import { LogSearches } from './log-searches.js';
import type { LogReader } from './merged-log.js';
import type { TimelineOptions } from './log-timeline.js';

export type LogGrowthListener = (process: LogProcess, totalLines: number) => void;

export interface LogServiceOptions extends TimelineOptions {
  /** How often `watch` looks at the files. Default 500 ms. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 500;

export class LogService {
  private readonly views = new Map<LogProcess, Promise<LogView>>();
  /** What each listener was last told, per process: lines and resets. */
  private reported = new Map<LogProcess, { totalLines: number; generation: string }>();
  private timer: NodeJS.Timeout | null = null;
  /** Searches under way here, which cancelLogSearch stops. */
  readonly searches = new LogSearches();
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly options: LogServiceOptions = {},
  ) {}

  /** The view of a process's log, opened (indexed) on first use. */
  view(process: LogProcess): Promise<LogView> {
    let view = this.views.get(process);
    if (!view) {
      const path = logFile(this.dir, process, globalThis.process.platform);
      view = LogView.open(path, { ...this.options, process });
      this.views.set(process, view);
      view.then(
        // Growth is reported relative to what the file held when a viewer first read it.
        (v) => {
          if (!this.reported.has(process)) {
            this.reported.set(process, { totalLines: v.totalLines, generation: v.generation });
          }
        },
        // A failed open (say, permission denied) is retried by the next request.
        () => this.views.delete(process),
      );
    }
    return view;
  }

  async readLogs(request: RequestOf<'readLogs'>): Promise<ResponseOf<'readLogs'>> {
    const process = oneProcess(request.source);
    return this.searches.run(request.search, async (signal) =>
      (await this.fresh(process)).page(request.filter, request.offset, request.limit, undefined, {
        partial: request.partial ?? false,
        ...(signal ? { signal } : {}),
      }),
    );
  }

  /** The count a partial readLogs left open. */
  async countLogs(request: RequestOf<'countLogs'>): Promise<ResponseOf<'countLogs'>> {
    const process = oneProcess(request.source);
    return this.searches.run(request.search, async (signal) => {
      const view = await this.fresh(process);
      const matching = await view.count(request.filter, signal);
      // Read after the count, which ran in the view's queue: a refresh queued before it has run.
      return { matching, totalLines: view.totalLines, generation: view.generation };
    });
  }

  cancelLogSearch(request: RequestOf<'cancelLogSearch'>): ResponseOf<'cancelLogSearch'> {
    this.searches.cancel(request.search);
    return {};
  }

  async findLogTime(request: RequestOf<'findLogTime'>): Promise<ResponseOf<'findLogTime'>> {
    const source = oneProcess(request.source);
    if (Number.isNaN(Date.parse(request.time))) {
      throw new CommandError('invalid-request', 'The time is not an RFC 3339 timestamp.');
    }
    return { offset: await this.reader(source).findTime(request.filter, request.time) };
  }

  /** A process's log as a source to merge with another (merged-log.ts). */
  reader(process: LogProcess): LogReader {
    return {
      read: async (filter: LogFilter, offset: number, limit: number) =>
        (await this.fresh(process)).page(filter, offset, limit),
      findTime: async (filter: LogFilter, time: string) =>
        (await this.fresh(process)).findTime(filter, time),
    };
  }

  /** The view, with what was appended or rotated since the last look. */
  private async fresh(process: LogProcess): Promise<LogView> {
    const view = await this.view(process);
    await view.refresh();
    return view;
  }

  /**
   * Polls the logs opened so far (a viewer reads before it follows) and calls
   * `listener` when one gained lines or was rotated. Polling rather than
   * fs.watch: rotation renames the file away, which watchers report unevenly
   * across platforms. One watcher per service; a second call replaces it.
   */
  watch(listener: LogGrowthListener): void {
    if (this.timer) clearTimeout(this.timer);
    const tick = async () => {
      for (const [process, pending] of this.views) {
        try {
          const view = await pending;
          await view.refresh();
          const last = this.reported.get(process);
          const now = { totalLines: view.totalLines, generation: view.generation };
          if (!last || last.totalLines !== now.totalLines || last.generation !== now.generation) {
            this.reported.set(process, now);
            listener(process, now.totalLines);
          }
        } catch {
          // Unreadable for now (permissions, a file half rotated): look again next time.
        }
      }
      if (!this.closed) this.schedule(tick);
    };
    this.schedule(tick);
  }

  /** Stops watching and closes the files. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const pending of this.views.values()) {
      pending.then((view) => view.close()).catch(() => {});
    }
    this.views.clear();
  }

  private schedule(tick: () => Promise<void>): void {
    this.timer = setTimeout(() => void tick(), this.options.pollMs ?? DEFAULT_POLL_MS);
    // The watcher alone must not keep a process alive.
    this.timer.unref();
  }
}

function oneProcess(source: RequestOf<'countLogs'>['source']): LogProcess {
  if (source === 'both') {
    throw new CommandError('invalid-request', 'Both logs together are read through the app.');
  }
  return source;
}
