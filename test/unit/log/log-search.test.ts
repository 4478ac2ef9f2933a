// A search's first rows before its count (issue 10 §4): partial pages, the count that
// follows, and cancelling a search the user moved on from, through LogView, LogService
// and the real dispatcher and client (every message through JSON and both validators).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, IpcError, type Transport } from '../../../ipc/client.js';
import { LogSearch } from '../../../ipc/log-search.js';
import type { CommandName, LogFilter } from '../../../ipc/schema.js';
import { createDispatcher } from '../../../ipc/server.js';
import { LogView } from '../../../app/log/log-query.js';
import { LogSearches } from '../../../app/log/log-searches.js';
import { LogService } from '../../../app/log/log-service.js';
import { fixtureLines, fixtureText } from './log-fixture.js';
import { referenceMatches, referenceTimeline } from './log-reference.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-logsearch-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Small index chunks, so that a few thousand lines make dozens of search chunks. */
const OPTIONS = { chunkBytes: 4096 } as const;

/** A rotated file of `old` lines and a current one of `current`, times in order. */
async function writeLog(name: string, old: number, current: number): Promise<string> {
  const logDir = path.join(dir, name);
  await mkdir(logDir);
  const base = path.join(logDir, 'main.jsonl');
  const start = Date.parse('2026-11-25T08:00:00.000Z');
  await writeFile(`${base}.1`, fixtureText(fixtureLines({ lines: old, seed: 3, startMs: start })));
  await writeFile(
    base,
    fixtureText(fixtureLines({ lines: current, seed: 4, startMs: start + 40 * old })),
  );
  return base;
}

const handshake: LogFilter = { minLevel: 'trace', text: 'HANDSHAKE complete' };

test('a partial page holds the same lines as a counted one, and the count follows', async () => {
  const base = await writeLog('partial', 6000, 500);
  const reference = referenceTimeline(base);
  const full = await LogView.open(base, { ...OPTIONS, process: 'main' });
  const view = await LogView.open(base, { ...OPTIONS, process: 'main' });
  try {
    for (const filter of [handshake, { minLevel: 'info', text: 'keepalive' } as LogFilter]) {
      const expected = referenceMatches(reference, filter).length;
      const first = await view.page(filter, 0, 50, undefined, { partial: true });
      assert.equal(first.counted, false, `${filter.text}: stopped before the end`);
      assert.ok(first.matching >= 50 && first.matching < expected, `${filter.text}: lower bound`);
      const whole = await full.page(filter, 0, 50);
      assert.equal(whole.counted, true);
      assert.equal(whole.matching, expected);
      assert.deepEqual(first.lines, whole.lines, `${filter.text}: the same first rows`);
      // Later pages while still uncounted go on from where the scan stopped.
      const second = await view.page(filter, 50, 50, undefined, { partial: true });
      assert.deepEqual(second.lines, (await full.page(filter, 50, 50)).lines);
      assert.equal(await view.count(filter), expected);
      const after = await view.page(filter, 0, 50, undefined, { partial: true });
      assert.equal(after.counted, true, 'once counted, partial answers are whole');
      assert.equal(after.matching, expected);
    }
    // A search that matches nothing has to read everything: it is counted by the first answer.
    const none = await view.page({ minLevel: 'trace', text: 'zz-nowhere' }, 0, 50, undefined, {
      partial: true,
    });
    assert.deepEqual([none.lines.length, none.matching, none.counted], [0, 0, true]);
    // A level filter alone is always counted whole.
    const level = await view.page({ minLevel: 'warn', text: '' }, 0, 50, undefined, {
      partial: true,
    });
    assert.equal(level.counted, true);
  } finally {
    await full.close();
    await view.close();
  }
});

test('a partial page runs on into the next file when the first has too few matches', async () => {
  const base = await writeLog('across', 300, 4000);
  const reference = referenceTimeline(base);
  const view = await LogView.open(base, { ...OPTIONS, process: 'main' });
  try {
    const expected = referenceMatches(reference, handshake);
    const inOld = expected.filter((i) => i < 300).length;
    assert.ok(inOld > 0 && inOld < 100, `the rotated file has ${inOld} matches`);
    const page = await view.page(handshake, 0, 100, undefined, { partial: true });
    assert.equal(page.counted, false);
    assert.deepEqual(
      page.lines.map((l) => `${l.file}:${l.line}`),
      expected
        .slice(0, 100)
        .map((i) => reference[i]!.view)
        .map((l) => `${l.file}:${l.line}`),
    );
  } finally {
    await view.close();
  }
});

test('an aborted count stops between chunks and keeps what it had found', async () => {
  const base = await writeLog('abort', 20_000, 10);
  const expected = referenceMatches(referenceTimeline(base), handshake).length;
  const view = await LogView.open(base, { ...OPTIONS, process: 'main' });
  try {
    const gone = new AbortController();
    gone.abort(new Error('already gone'));
    await assert.rejects(view.count(handshake, gone.signal), /already gone/);

    const controller = new AbortController();
    const counting = view.count(handshake, controller.signal);
    // Let it read a few chunks, then stop it.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('moved on'));
    await assert.rejects(counting, /moved on/);
    // The queue is free again, and the count picks up where the aborted one stopped.
    assert.equal(await view.count(handshake), expected);
  } finally {
    await view.close();
  }
});

/** LogService behind the real dispatcher and client, every message through JSON. */
function served(service: LogService) {
  const sent: CommandName[] = [];
  /** How the server's handlers failed: `command:code`. */
  const failed: string[] = [];
  const dispatch = createDispatcher(
    {
      readLogs: (r) => service.readLogs(r),
      countLogs: (r) => service.countLogs(r),
      cancelLogSearch: (r) => service.cancelLogSearch(r),
    },
    (command, error) => failed.push(`${command}:${(error as IpcError).code}`),
  );
  const transport: Transport = {
    invoke: async (command, payload) => {
      sent.push(command);
      return JSON.parse(
        JSON.stringify(await dispatch(command, JSON.parse(JSON.stringify(payload)))),
      );
    },
    subscribe: () => () => {},
  };
  return { client: createClient(transport), sent, failed };
}

test('the client side: a partial first page, then the count, over the wire', async () => {
  const base = await writeLog('flow', 8000, 100);
  const expected = referenceMatches(referenceTimeline(base), handshake).length;
  const service = new LogService(path.dirname(base), OPTIONS);
  try {
    const { client, sent } = served(service);
    const search = new LogSearch(client, 'main', handshake);
    const first = await search.read(0, 200, true);
    assert.ok(first);
    assert.equal(first.counted, false);
    assert.equal(first.lines.length, 200);
    const count = await search.count();
    assert.ok(count);
    assert.equal(count.matching, expected);
    assert.equal(count.generation, first.generation);
    assert.deepEqual(sent, ['readLogs', 'countLogs']);
    // Nothing under way: cancelling sends nothing.
    search.cancel();
    assert.deepEqual(sent, ['readLogs', 'countLogs']);
    assert.equal(await search.read(0, 10, false), null, 'a cancelled search reads nothing');
    assert.equal(service.searches.active, 0);
  } finally {
    service.close();
  }
});

test('a stale search is cancelled on the server and its late answers are dropped', async () => {
  const base = await writeLog('stale', 30_000, 10);
  const service = new LogService(path.dirname(base), OPTIONS);
  try {
    const { client, sent, failed } = served(service);
    const stale = new LogSearch(client, 'main', { minLevel: 'trace', text: 'zz-never' });
    // A search for something absent reads the whole log: it is still going when the user types on.
    const reading = stale.read(0, 200, true);
    const counting = stale.count();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(service.searches.active > 0, 'the stale search is running');
    stale.cancel();
    assert.equal(await reading, null, 'its late page is dropped');
    assert.equal(await counting, null, 'its late count is dropped');
    assert.ok(sent.includes('cancelLogSearch'));
    assert.equal(service.searches.active, 0, 'nothing of it runs on');
    // Stopped on the server, not run to the end: both failed there as cancelled.
    assert.deepEqual(failed.sort(), ['countLogs:cancelled', 'readLogs:cancelled']);

    // The server refused it as cancelled (not a failure), and refuses the id from now on.
    await assert.rejects(
      client.countLogs({ source: 'main', filter: stale.filter, search: stale.id }),
      (err: unknown) => err instanceof IpcError && err.code === 'cancelled',
    );

    // The new search runs at once and is right.
    const fresh = new LogSearch(client, 'main', handshake);
    const page = await fresh.read(0, 200, true);
    assert.ok(page && page.lines.length === 200);
    for (const line of page.lines) assert.ok(line.ok && /handshake complete/i.test(line.message));
  } finally {
    service.close();
  }
});

test('LogSearches: cancel aborts every operation of that id and only that id', async () => {
  const searches = new LogSearches();
  const signals: AbortSignal[] = [];
  const hold = (id: string) =>
    searches.run(id, (signal) => {
      signals.push(signal!);
      return new Promise<string>((resolve, reject) => {
        signal!.addEventListener('abort', () => reject(signal!.reason as Error));
        setTimeout(() => resolve(id), 50);
      });
    });
  const a1 = hold('search-a-0001');
  const a2 = hold('search-a-0001');
  const b = hold('search-b-0001');
  assert.equal(searches.active, 3);
  searches.cancel('search-a-0001');
  for (const p of [a1, a2])
    await assert.rejects(p, (e: unknown) => (e as IpcError).code === 'cancelled');
  assert.equal(await b, 'search-b-0001');
  await assert.rejects(hold('search-a-0001'), /replaced by a newer one/);
  assert.equal(await searches.run(undefined, async (signal) => signal), undefined);
  assert.equal(searches.active, 0);
});

test('the schema bounds search ids and the wire validates new messages', async () => {
  const { client } = served(new LogService(path.join(dir, 'nothing-here')));
  await assert.rejects(
    client.cancelLogSearch({ search: 'short' }),
    (e: unknown) => e instanceof IpcError && e.code === 'invalid-request',
  );
  await assert.rejects(
    client.countLogs({ source: 'main', filter: handshake, search: 'x'.repeat(65) }),
    (e: unknown) => e instanceof IpcError && e.code === 'invalid-request',
  );
  const empty = await client.countLogs({ source: 'main', filter: handshake, search: 'abcdefgh' });
  assert.equal(empty.matching, 0);
});
