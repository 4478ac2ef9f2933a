/**
 * Log viewer backend benchmark: a 1,000,000-line JSONL log in a temp dir,
 * then open + index, filter changes (count + first page), page reads,
 * findTime and a refresh after growth, each with the longest event-loop stall
 * seen while it ran. Prints a JSON summary; fails only if something crashes.
 *
 *   npx tsc -b && node dist/test/bench/log-query-bench.js [lines]
 */
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LogFilter } from '../../ipc/schema.js';
import { LogView } from '../../app/log/log-query.js';
import { fixtureLines, fixtureText, seededRandom } from '../unit/log/log-fixture.js';

const LINES = Number(process.argv[2] ?? 1_000_000);
const BATCH = 50_000;

async function writeLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  let startMs = Date.parse('2026-11-25T08:00:00.000Z');
  for (let done = 0, seed = 1; done < LINES; done += BATCH, seed++) {
    const lines = fixtureLines({ lines: Math.min(BATCH, LINES - done), seed, startMs });
    // Each batch starts where the last one ended, so times stay in order.
    startMs += 40 * BATCH;
    if (!out.write(fixtureText(lines, { crlf: 0.01, seed }))) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Wall time of `work`, and the longest the event loop was blocked meanwhile. */
async function measure<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; stallMs: number; value: T }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let worst = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 2);
    last = now;
  }, 2);
  histogram.enable();
  const start = performance.now();
  const value = await work();
  const ms = performance.now() - start;
  // One more turn so a stall at the very end is seen by the probe.
  await new Promise((resolve) => setTimeout(resolve, 5));
  clearInterval(probe);
  histogram.disable();
  const stallMs = Math.max(worst, histogram.max / 1e6 - 5);
  return { ms: round(ms), stallMs: round(Math.max(0, stallMs)), value };
}

const round = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ss-logbench-'));
  try {
    const file = path.join(dir, 'main.jsonl');
    const genStart = performance.now();
    await writeLog(file);
    const bytes = (await stat(file)).size;
    const generateMs = round(performance.now() - genStart);

    const open = await measure(() => LogView.open(file, { process: 'main' }));
    const view = open.value;
    const memory = process.memoryUsage();
    const firstPage = await measure(() => view.page({ minLevel: 'trace', text: '' }, 0, 100));

    const filters: LogFilter[] = [
      { minLevel: 'warn', text: '' },
      { minLevel: 'error', text: '' },
      { minLevel: 'trace', text: 'peer' },
      { minLevel: 'trace', text: 'HANDSHAKE' },
      { minLevel: 'info', text: 'endpoint changed' },
      { minLevel: 'warn', text: 'dns' },
      { minLevel: 'trace', text: '203.0.113.77:51820' },
      { minLevel: 'trace', text: 'no such text anywhere' },
      { minLevel: 'debug', text: 'k' },
      { minLevel: 'trace', text: 'Schlüssel' },
      { minLevel: 'trace', text: 'トンネル' },
    ];
    // A search's first rows (issue 10 §4): a partial page of 200, on a fresh view so no
    // filter is cached, then the count that follows it.
    const partialResults = [];
    {
      const cold = await LogView.open(file, { process: 'main' });
      for (const filter of filters.slice(2, 8)) {
        const first = await measure(() => cold.page(filter, 0, 200, undefined, { partial: true }));
        const count = await measure(() => cold.count(filter));
        partialResults.push({
          text: filter.text,
          firstPageMs: first.ms,
          counted: first.value.counted,
          countMs: count.ms,
          stallMs: Math.max(first.stallMs, count.stallMs),
        });
      }
      await cold.close();
    }
    const filterResults = [];
    for (const filter of filters) {
      const fresh = await measure(() => view.page(filter, 0, 100));
      const cached = await measure(() => view.page(filter, 0, 100));
      filterResults.push({
        filter,
        matching: fresh.value.matching,
        ms: fresh.ms,
        stallMs: fresh.stallMs,
        cachedMs: cached.ms,
      });
    }

    const rand = seededRandom(99);
    const pageTimes: number[] = [];
    const pageStalls: number[] = [];
    for (const filter of [
      { minLevel: 'trace', text: '' },
      filters[0]!,
      filters[3]!,
    ] as LogFilter[]) {
      const matching = await view.count(filter);
      for (let k = 0; k < 20; k++) {
        const offset = Math.floor(rand() * Math.max(1, matching - 200));
        const r = await measure(() => view.page(filter, offset, 200));
        pageTimes.push(r.ms);
        pageStalls.push(r.stallMs);
      }
    }

    const findTimes: number[] = [];
    const findStalls: number[] = [];
    const from = Date.parse('2026-11-25T08:00:00.000Z');
    // Filters already computed: this measures the search in time, not the filtering.
    for (const filter of filters.slice(0, 4)) await view.count(filter);
    for (let k = 0; k < 20; k++) {
      const time = new Date(from + rand() * 40 * LINES).toISOString();
      const r = await measure(() => view.findTime(filters[k % 4]!, time));
      if (process.env.BENCH_VERBOSE) console.error('findTime', time, r.ms, r.stallMs);
      findTimes.push(r.ms);
      findStalls.push(r.stallMs);
    }

    const totalLines = view.totalLines;
    const more = fixtureText(
      fixtureLines({ lines: 10_000, seed: 777, startMs: from + 40 * LINES }),
    );
    await appendFile(file, more);
    const growth = await measure(() => view.refresh());
    const afterGrowth = await measure(() => view.page(filters[2]!, 0, 100));
    await view.close();

    const summary = {
      lines: LINES,
      bytes,
      bytesPerLine: round(bytes / LINES),
      generateMs,
      open: { ms: open.ms, stallMs: open.stallMs, totalLines },
      memoryMB: {
        rss: round(memory.rss / 2 ** 20),
        heapUsed: round(memory.heapUsed / 2 ** 20),
        external: round(memory.external / 2 ** 20),
      },
      firstPage: { ms: firstPage.ms, stallMs: firstPage.stallMs },
      searchFirstPage: partialResults,
      filters: filterResults,
      pageRead200: {
        medianMs: median(pageTimes),
        maxMs: Math.max(...pageTimes),
        maxStallMs: Math.max(...pageStalls),
      },
      findTime: {
        medianMs: median(findTimes),
        maxMs: Math.max(...findTimes),
        maxStallMs: Math.max(...findStalls),
      },
      refreshAfter10kLines: { ms: growth.ms, stallMs: growth.stallMs },
      cachedFilterAfterGrowth: { ms: afterGrowth.ms, matching: afterGrowth.value.matching },
      maxStallMs: Math.max(
        open.stallMs,
        firstPage.stallMs,
        ...filterResults.map((f) => f.stallMs),
        ...pageStalls,
        ...findStalls,
        growth.stallMs,
      ),
    };
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
