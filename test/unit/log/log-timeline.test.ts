// test-platform: not-under-wine: rotation renames files another handle holds open, which wine refuses; Windows rotation is unverified
// A log and its rotated files as one timeline, with real files rotated by the real file
// sink, also while a view is open; each file indexed once across the renames; and only
// regular files reached without a symlink are read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { LogFilter } from '../../../ipc/schema.js';
import { createLogger } from '../../../app/log/logger.js';
import { LogView, type LogViewOptions } from '../../../app/log/log-query.js';
import { fileSink } from '../../../app/log/sinks.js';
import { fixtureLines, fixtureText, seededRandom } from './log-fixture.js';
import {
  referenceFindTime,
  referenceMatches,
  referenceTimeline,
  type RefLine,
} from './log-reference.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-logtimeline-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILTERS: LogFilter[] = [
  { minLevel: 'trace', text: '' },
  { minLevel: 'warn', text: '' },
  { minLevel: 'trace', text: 'PEER' },
  { minLevel: 'info', text: 'schlüssel' },
  { minLevel: 'trace', text: 'not json' },
  { minLevel: 'trace', text: 'zz-nowhere' },
];
const MESSAGES = ['handshake complete', 'peer endpoint changed', 'Schlüssel erneuert', 'tick'];
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * Writes through the real logger and file sink: mixed levels, times that
 * sometimes repeat, and now and then a line no logger wrote.
 */
function writer(base: string, maxBytes: number, maxFiles: number, seed: number) {
  const sink = fileSink(base, { maxBytes, maxFiles });
  const rand = seededRandom(seed);
  let ms = Date.parse('2026-11-24T20:00:00.000Z');
  const log = createLogger({
    level: 'trace',
    target: 'timeline',
    sinks: [sink],
    clock: () => new Date((ms += Math.floor(rand() * 3))),
  });
  let n = 0;
  return {
    write(lines: number) {
      for (let k = 0; k < lines; k++, n++) {
        if (rand() < 0.05) sink.write(`not json, line ${n}`);
        else {
          const level = LEVELS[Math.floor(rand() * LEVELS.length)]!;
          log[level](MESSAGES[n % MESSAGES.length]!, { n, peer: `pk${n}=` });
        }
      }
    },
    close: () => sink.close?.(),
  };
}

async function sameAsReference(view: LogView, base: string, label: string): Promise<RefLine[]> {
  const ref = referenceTimeline(base);
  assert.equal(view.totalLines, ref.length, `${label}: total`);
  for (const filter of FILTERS) {
    const want = referenceMatches(ref, filter);
    const page = await view.page(filter, 0, 10_000);
    assert.equal(page.matching, want.length, `${label} ${JSON.stringify(filter)}`);
    assert.deepEqual(
      page.lines,
      want.map((i) => ref[i]!.view),
      `${label} ${JSON.stringify(filter)}`,
    );
  }
  // Times from the log itself, a little before and after, and outside it.
  const times = ref.filter((l) => l.time !== null).map((l) => l.time!);
  const probes = ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z'];
  for (let k = 0; k < times.length; k += Math.max(1, Math.floor(times.length / 25))) {
    for (const d of [-1, 0, 1]) probes.push(new Date(times[k]! + d).toISOString());
  }
  for (const filter of FILTERS.slice(0, 3)) {
    const matches = referenceMatches(ref, filter);
    for (const time of probes) {
      assert.equal(
        await view.findTime(filter, time),
        referenceFindTime(ref, matches, time),
        `${label} ${JSON.stringify(filter)} ${time}`,
      );
    }
  }
  return ref;
}

const MODES: [string, Omit<LogViewOptions, 'process'>][] = [
  ['2 KB chunks', { chunkBytes: 2048 }],
  ['1500-byte chunks', { chunkBytes: 1500 }],
];

for (const [mode, options] of MODES) {
  test(`${mode}: the real sink's files read as one timeline, also while it rotates`, async () => {
    const base = path.join(dir, mode.replace(/\W+/g, '-'), 'main.jsonl');
    const log = writer(base, 12_000, 3, 5);
    log.write(250);
    const view = await LogView.open(base, { process: 'main', ...options });
    try {
      await sameAsReference(view, base, 'opened');
      assert.deepEqual(
        view.files.map((f) => f.name),
        ['main.jsonl.2', 'main.jsonl.1', 'main.jsonl'],
        'oldest first',
      );

      // One more rotation while the view is open; nothing is deleted yet (maxFiles 3).
      const generation = view.generation;
      const indexed = view.indexedFiles;
      const before = view.files;
      while (!existsSync(`${base}.3`)) log.write(1);
      log.write(3);
      const result = await view.refresh();
      assert.equal(result.changed, true);
      assert.notEqual(view.generation, generation, 'offsets given out before are void');
      assert.equal(view.indexedFiles, indexed + 1, 'only the new file was indexed');
      assert.deepEqual(
        view.files.slice(0, 3).map((f) => f.identity),
        before.map((f) => f.identity),
        'the same files, renamed',
      );
      assert.deepEqual(
        view.files.map((f) => f.name),
        ['main.jsonl.3', 'main.jsonl.2', 'main.jsonl.1', 'main.jsonl'],
      );
      await sameAsReference(view, base, 'rotated once');

      // Growth of the newest file alone keeps every offset.
      const grown = view.generation;
      log.write(2);
      assert.equal((await view.refresh()).changed, false);
      assert.equal(view.generation, grown);

      // Several rotations, the oldest files deleted by the sink.
      const known = new Set(view.files.map((f) => f.identity));
      const indexedBefore = view.indexedFiles;
      log.write(400);
      await view.refresh();
      const fresh = view.files.filter((f) => !known.has(f.identity)).length;
      assert.equal(view.indexedFiles - indexedBefore, fresh, 'files seen before kept their index');
      assert.equal(view.files.length, 4);
      await sameAsReference(view, base, 'rotated, oldest deleted');
    } finally {
      await view.close();
      await log.close();
    }
  });
}

test("a restart's rotation: yesterday's lines come first, from main.jsonl.1", async () => {
  const base = path.join(dir, 'restart', 'main.jsonl');
  mkdirSync(path.dirname(base));
  // Yesterday's log, over the sink's limit: the first line written today rotates it.
  const yesterday = fixtureLines({ lines: 300, seed: 7, startMs: Date.parse('2026-11-24T09:00Z') });
  writeFileSync(base, fixtureText(yesterday));
  const sink = fileSink(base, { maxBytes: 20_000 });
  const log = createLogger({ level: 'info', target: 'main', sinks: [sink] });
  log.info('starting');
  await sink.close?.();
  const view = await LogView.open(base, { process: 'main' });
  try {
    const ref = await sameAsReference(view, base, 'after restart');
    assert.equal(ref.length, 301);
    const first = await view.page({ minLevel: 'trace', text: '' }, 0, 1);
    assert.equal(first.lines[0]!.file, 'main.jsonl.1');
    assert.equal(first.lines[0]!.line, 0);
    const last = await view.page({ minLevel: 'trace', text: '' }, 300, 1);
    assert.deepEqual(
      [last.lines[0]!.file, last.lines[0]!.ok && last.lines[0]!.message],
      ['main.jsonl', 'starting'],
    );
  } finally {
    await view.close();
  }
});

test('only regular files reached without a symlink are read (and, as root, only root’s)', async () => {
  const logDir = path.join(dir, 'hostile');
  mkdirSync(logDir);
  const base = path.join(logDir, 'helper.jsonl');
  writeFileSync(base, fixtureText(fixtureLines({ lines: 10, seed: 3 })));
  const secret = path.join(dir, 'secret.txt');
  writeFileSync(secret, 'root:secret-hash:19000:0:99999:7:::\n');
  symlinkSync(secret, `${base}.1`);
  execFileSync('mkfifo', [`${base}.2`]);
  mkdirSync(`${base}.3`);
  writeFileSync(`${base}.x`, 'not a rotation\n');
  writeFileSync(`${base}.05`, 'not the sink’s name either\n');
  const asRoot = process.geteuid?.() === 0;
  writeFileSync(`${base}.4`, fixtureText(fixtureLines({ lines: 5, seed: 4 })));
  // Somebody else's file, planted in the directory: as root, not read.
  if (asRoot) chownSync(`${base}.4`, 65534, 65534);
  const view = await LogView.open(base, { process: 'helper' });
  try {
    assert.deepEqual(
      view.files.map((f) => f.name),
      asRoot ? ['helper.jsonl'] : ['helper.jsonl.4', 'helper.jsonl'],
    );
    const page = await view.page({ minLevel: 'trace', text: '' }, 0, 100);
    assert.ok(!page.lines.some((l) => !l.ok && l.raw.includes('secret-hash')));
  } finally {
    await view.close();
  }
});

test('a malformed line at the start of a file belongs with the last line of the file before', async () => {
  const base = path.join(dir, 'boundary', 'main.jsonl');
  mkdirSync(path.dirname(base));
  const good = (s: number) =>
    JSON.stringify({
      time: `2026-11-25T08:00:0${s}.000Z`,
      level: 'info',
      target: 't',
      message: 'm',
    });
  writeFileSync(`${base}.2`, 'junk before any time\n');
  writeFileSync(`${base}.1`, `${good(1)}\njunk a\n`);
  writeFileSync(base, `junk b\n${good(3)}\n`);
  const view = await LogView.open(base, { process: 'main' });
  const all: LogFilter = { minLevel: 'trace', text: '' };
  try {
    const { lines } = await view.page(all, 0, 10);
    assert.deepEqual(
      lines.map((l) => [l.file, l.line, l.ok ? l.time : l.lastTime]),
      [
        ['main.jsonl.2', 0, null],
        ['main.jsonl.1', 0, '2026-11-25T08:00:01.000Z'],
        ['main.jsonl.1', 1, '2026-11-25T08:00:01.000Z'],
        ['main.jsonl', 0, '2026-11-25T08:00:01.000Z'],
        ['main.jsonl', 1, '2026-11-25T08:00:03.000Z'],
      ],
    );
    // Asked alone, a page starting at the malformed line still knows its time.
    const alone = (await view.page(all, 3, 1)).lines[0]!;
    assert.ok(!alone.ok && alone.lastTime === '2026-11-25T08:00:01.000Z');
    const junkOnly: LogFilter = { minLevel: 'error', text: 'junk' };
    const filtered = (await view.page(junkOnly, 0, 10)).lines;
    assert.deepEqual(
      filtered.map((l) => !l.ok && l.lastTime),
      [null, '2026-11-25T08:00:01.000Z', '2026-11-25T08:00:01.000Z'],
    );
    assert.equal(await view.findTime(all, '2026-11-25T08:00:02Z'), 4, 'junk b goes with 08:00:01');
    assert.equal(await view.findTime(junkOnly, '2026-11-25T08:00:01Z'), 1);
  } finally {
    await view.close();
  }
});
