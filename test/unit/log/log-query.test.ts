// test-platform: linux-only: renames and truncates files that are open, which Windows refuses
// LogView against the straightforward reference: counts, pages, time search, growth, rotation.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { LogFilter } from '../../../ipc/schema.js';
import { LogView, type LogViewOptions } from '../../../app/log/log-query.js';
import { fixtureLines, fixtureText, seededRandom } from './log-fixture.js';
import { referenceFindTime, referenceMatches, referenceTimeline } from './log-reference.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-logquery-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
const TEXTS = [
  '',
  'peer',
  'HANDSHAKE',
  'Endpoint Changed',
  'é',
  'É',
  'ÉCHEC',
  'k',
  'I',
  'istanbul',
  'İ',
  'schlüssel',
  'トンネル',
  '"level":"x',
  '\\"value\\"',
  'zzz-not-there',
  '\r',
  '\n',
];

/** Small chunks of two sizes, so that chunk edges fall everywhere. */
const MODES: [string, LogViewOptions][] = [
  ['4 KB chunks', { process: 'main', chunkBytes: 4096 }],
  ['3000-byte chunks', { process: 'main', chunkBytes: 3000 }],
];

async function writeFixture(name: string, lines: number, seed: number): Promise<string> {
  const file = path.join(dir, name);
  const text = fixtureText(fixtureLines({ lines, seed, malformed: 0.05 }), { crlf: 0.2, seed });
  // A final line without its newline yet: not a line until it is finished.
  await writeFile(file, `${text}{"time":"2026-11-25T09:00:00.000Z","level":"er`);
  return file;
}

for (const [mode, options] of MODES) {
  test(`${mode}: every filter's count and lines match the reference`, async () => {
    const file = await writeFixture(`all-${mode}.jsonl`, 3000, 11);
    const ref = referenceTimeline(file);
    const view = await LogView.open(file, options);
    try {
      assert.equal(view.totalLines, ref.length);
      for (const minLevel of LEVELS) {
        for (const text of TEXTS) {
          const filter: LogFilter = { minLevel, text };
          const want = referenceMatches(ref, filter);
          const label = JSON.stringify(filter);
          assert.equal(await view.count(filter), want.length, label);
          const page = await view.page(filter, 0, 10_000);
          assert.equal(page.matching, want.length, label);
          assert.equal(page.totalLines, ref.length, label);
          assert.deepEqual(
            page.lines,
            want.map((i) => ref[i]!.view),
            label,
          );
        }
      }
    } finally {
      await view.close();
    }
  });
}

test('paging at the edges', async () => {
  const file = await writeFixture('paging.jsonl', 500, 5);
  const ref = referenceTimeline(file);
  const view = await LogView.open(file, { process: 'main', chunkBytes: 2048 });
  try {
    const filter: LogFilter = { minLevel: 'debug', text: 'e' };
    const want = referenceMatches(ref, filter).map((i) => ref[i]!.view);
    const pages = [];
    for (let offset = 0; offset < want.length; offset += 7) {
      pages.push(...(await view.page(filter, offset, 7)).lines);
    }
    assert.deepEqual(pages, want);
    assert.deepEqual((await view.page(filter, 0, 1)).lines, want.slice(0, 1));
    assert.deepEqual((await view.page(filter, want.length - 1, 5)).lines, want.slice(-1));
    assert.deepEqual((await view.page(filter, want.length, 5)).lines, []);
    const past = await view.page(filter, want.length + 100, 5);
    assert.deepEqual(past.lines, []);
    assert.equal(past.matching, want.length);
  } finally {
    await view.close();
  }
});

test('findTime: first line at or after a time, malformed lines going with the line before', async () => {
  const file = await writeFixture('time.jsonl', 2000, 8);
  const ref = referenceTimeline(file);
  const view = await LogView.open(file, { process: 'main', chunkBytes: 4096 });
  const rand = seededRandom(9);
  const times = ref.filter((l) => l.time !== null).map((l) => l.time!);
  const probes = [
    '2000-01-01T00:00:00Z',
    '2100-01-01T00:00:00Z',
    new Date(times[0]!).toISOString(),
    new Date(times[times.length - 1]!).toISOString(),
    // Another zone for the same kind of instant.
    new Date(times[500]! + 3_600_000).toISOString().replace('Z', '+01:00'),
  ];
  for (let k = 0; k < 40; k++) {
    const t = times[Math.floor(rand() * times.length)]! + Math.floor(rand() * 3) - 1;
    probes.push(new Date(t).toISOString());
  }
  try {
    for (const minLevel of ['error', 'info', 'trace'] as const) {
      for (const text of ['', 'peer', 'garbage-none']) {
        const filter = { minLevel, text };
        const matches = referenceMatches(ref, filter);
        for (const time of probes) {
          assert.equal(
            await view.findTime(filter, time),
            referenceFindTime(ref, matches, time),
            `${JSON.stringify(filter)} ${time}`,
          );
        }
      }
    }
    await assert.rejects(view.findTime({ minLevel: 'trace', text: '' }, 'yesterday'));
  } finally {
    await view.close();
  }
});

test('findTime: a log starting with malformed lines, and an empty log', async () => {
  const file = path.join(dir, 'bad-start.jsonl');
  const good = (s: number) =>
    JSON.stringify({
      time: `2026-11-25T08:00:0${s}.000Z`,
      level: 'info',
      target: 't',
      message: 'm',
    });
  await writeFile(file, `junk\njunk\n${good(1)}\njunk\n${good(3)}\n`);
  const view = await LogView.open(file, { process: 'main' });
  const all: LogFilter = { minLevel: 'trace', text: '' };
  assert.equal(await view.findTime(all, '2026-11-25T08:00:00Z'), 2);
  assert.equal(await view.findTime(all, '2026-11-25T08:00:01Z'), 2);
  assert.equal(await view.findTime(all, '2026-11-25T08:00:02Z'), 4, 'line 3 belongs with line 2');
  assert.equal(await view.findTime(all, '2026-11-25T08:00:09Z'), 5);
  await view.close();
  const empty = await LogView.open(path.join(dir, 'nothing-here.jsonl'), { process: 'main' });
  assert.equal(await empty.findTime(all, '2026-11-25T08:00:00Z'), 0);
  await empty.close();
});

test('growth, partial lines, rotation, truncation and removal', async () => {
  const file = path.join(dir, 'grow.jsonl');
  const lines = fixtureLines({ lines: 600, seed: 21, malformed: 0.05 });
  await writeFile(file, fixtureText(lines.slice(0, 200)));
  const view = await LogView.open(file, { process: 'main', chunkBytes: 1024 });
  const filters: LogFilter[] = [
    { minLevel: 'warn', text: '' },
    { minLevel: 'trace', text: 'PEER' },
    { minLevel: 'info', text: 'é' },
  ];
  const same = async (label: string) => {
    const ref = referenceTimeline(file);
    assert.equal(view.totalLines, ref.length, label);
    for (const filter of filters) {
      const want = referenceMatches(ref, filter).map((i) => ref[i]!.view);
      assert.deepEqual((await view.page(filter, 0, 10_000)).lines, want, `${label} ${filter.text}`);
    }
  };
  try {
    await same('start');
    const start = view.generation;
    // Appended in pieces, the last one cut mid-line (and mid-character).
    const more = Buffer.from(fixtureText(lines.slice(200, 400)));
    await appendFile(file, more.subarray(0, 5001));
    let result = await view.refresh();
    assert.equal(result.changed, false);
    await same('partial append');
    await appendFile(file, more.subarray(5001));
    result = await view.refresh();
    assert.equal(result.totalLines, 400);
    await same('append completed');
    assert.equal(view.generation, start, 'growth keeps every offset');

    // Rotation as fileSink does it: rename away, then a new file at the path. The old
    // lines stay, first in the timeline, now as grow.jsonl.1.
    await rename(file, `${file}.1`);
    await writeFile(file, fixtureText(lines.slice(400, 450)));
    result = await view.refresh();
    assert.equal(result.changed, true);
    assert.equal(result.totalLines, 450);
    assert.notEqual(view.generation, start);
    assert.deepEqual(
      view.files.map(({ name, lines }) => ({ name, lines })),
      [
        { name: 'grow.jsonl.1', lines: 400 },
        { name: 'grow.jsonl', lines: 50 },
      ],
    );
    await same('rotated');

    // Truncated in place.
    const rotated = view.generation;
    await truncate(file, 0);
    await writeFile(file, fixtureText(lines.slice(450, 460)));
    result = await view.refresh();
    assert.equal(result.changed, true);
    assert.notEqual(view.generation, rotated);
    await same('truncated');

    // Removed: the rotated file is what is left until it comes back.
    await rm(file);
    result = await view.refresh();
    assert.equal(result.totalLines, 400);
    await same('removed');
    await writeFile(file, fixtureText(lines.slice(460, 600)));
    await view.refresh();
    await same('recreated');
  } finally {
    await view.close();
  }
});

test('a missing file is an empty log that can appear later', async () => {
  const file = path.join(dir, 'later', 'main.jsonl');
  const view = await LogView.open(file, { process: 'main' });
  assert.equal(view.totalLines, 0);
  assert.deepEqual(await view.page({ minLevel: 'trace', text: '' }, 0, 100), {
    lines: [],
    totalLines: 0,
    matching: 0,
    counted: true,
    generation: view.generation,
  });
  await rm(path.dirname(file), { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file)));
  await writeFile(file, fixtureText(fixtureLines({ lines: 3 })));
  assert.equal((await view.refresh()).totalLines, 3);
  await view.close();
});

test('long strings are clamped to what the IPC schema allows', async () => {
  const file = path.join(dir, 'long.jsonl');
  const message = 'x'.repeat(16_000);
  await writeFile(
    file,
    `${JSON.stringify({ time: '2026-11-25T08:00:00.000Z', level: 'info', target: 't'.repeat(300), message })}\n` +
      `${'y'.repeat(150_000)}\n`,
  );
  const view = await LogView.open(file, { process: 'main', chunkBytes: 1000 });
  const [first, second] = (await view.page({ minLevel: 'trace', text: '' }, 0, 10)).lines;
  assert.ok(first?.ok && first.message.length === 10_000 && first.target.length === 200);
  assert.ok(second && !second.ok && second.raw.length === 100_000);
  await view.close();
});
