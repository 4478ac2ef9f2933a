// test-platform: not-under-wine: watching a log while it is renamed by rotation: wine's file notifications do not report it
// The log commands' backend: per-process views, missing files, growth events; and the export zip.
import assert from 'node:assert/strict';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { unzipSync } from 'fflate';
import { exportLogsZip } from '../../../app/log/export-zip.js';
import { LogService } from '../../../app/log/log-service.js';
import { fixtureLines, fixtureText, seededRandom } from './log-fixture.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-logservice-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const all = { minLevel: 'trace', text: '' } as const;

test('readLogs and findLogTime answer per process; a missing file is empty', async () => {
  const logDir = path.join(dir, 'answers');
  await mkdir(logDir);
  await writeFile(path.join(logDir, 'main.jsonl'), fixtureText(fixtureLines({ lines: 50 })));
  const service = new LogService(logDir);
  try {
    const main = await service.readLogs({ source: 'main', filter: all, offset: 10, limit: 5 });
    assert.equal(main.totalLines, 50);
    assert.equal(main.matching, 50);
    assert.deepEqual(
      main.lines.map((l) => l.line),
      [10, 11, 12, 13, 14],
    );
    const helper = await service.readLogs({ source: 'helper', filter: all, offset: 0, limit: 5 });
    assert.deepEqual(
      { ...helper, generation: '' },
      {
        lines: [],
        totalLines: 0,
        matching: 0,
        counted: true,
        generation: '',
      },
    );
    await assert.rejects(
      service.readLogs({ source: 'both', filter: all, offset: 0, limit: 5 }),
      /through the app/,
    );
    assert.deepEqual(
      await service.findLogTime({ source: 'main', filter: all, time: '2000-01-01T00:00:00Z' }),
      { offset: 0 },
    );
    assert.deepEqual(
      await service.findLogTime({ source: 'helper', filter: all, time: '2000-01-01T00:00:00Z' }),
      { offset: 0 },
    );
    await assert.rejects(
      service.findLogTime({ source: 'main', filter: all, time: 'soon' }),
      /RFC 3339/,
    );
    // Lines written since are seen by the next request, with or without a watcher.
    await appendFile(path.join(logDir, 'main.jsonl'), fixtureText(fixtureLines({ lines: 5 })));
    const later = await service.readLogs({ source: 'main', filter: all, offset: 0, limit: 1 });
    assert.equal(later.totalLines, 55);
  } finally {
    service.close();
  }
  const nowhere = new LogService(path.join(dir, 'no', 'such', 'dir'));
  assert.equal(
    (await nowhere.readLogs({ source: 'main', filter: all, offset: 0, limit: 1 })).totalLines,
    0,
  );
  nowhere.close();
});

test('watch reports growth and rotation of the logs being viewed', async () => {
  const logDir = path.join(dir, 'watch');
  await mkdir(logDir);
  const file = path.join(logDir, 'helper.jsonl');
  await writeFile(`${file}.1`, fixtureText(fixtureLines({ lines: 4, seed: 4 })));
  await writeFile(file, fixtureText(fixtureLines({ lines: 10 })));
  const service = new LogService(logDir, { pollMs: 20 });
  const events: [string, number][] = [];
  const until = (what: string, done: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (done()) resolve();
        else if (Date.now() - started > 3000) reject(new Error(`no event: ${what}`));
        else setTimeout(check, 10);
      };
      check();
    });
  const next = (count: number) => until(`#${count}`, () => events.length >= count);
  try {
    service.watch((process, totalLines) => events.push([process, totalLines]));
    await service.readLogs({ source: 'helper', filter: all, offset: 0, limit: 1 });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events, [], 'nothing changed yet');
    await appendFile(file, fixtureText(fixtureLines({ lines: 4, seed: 2 })));
    await next(1);
    assert.deepEqual(events[0], ['helper', 18]);
    // Rotated, the oldest file dropped, and as many lines in the new file as it had: the
    // count ends where it was, the lines are not the same, and that is reported. (A poll
    // may also see the moment between the two renames.)
    await writeFile(`${file}.next`, fixtureText(fixtureLines({ lines: 4, seed: 3 })));
    await rename(file, `${file}.1`);
    await rename(`${file}.next`, file);
    await until('the rotation', () => events.length >= 2 && events.at(-1)![1] === 18);
  } finally {
    service.close();
  }
});

test('the export zip holds every log and about.json, byte for byte', async () => {
  const logDir = path.join(dir, 'export');
  await mkdir(logDir);
  const rand = seededRandom(4);
  const files: Record<string, Buffer> = {
    'main.jsonl': Buffer.from(fixtureText(fixtureLines({ lines: 3000 }))),
    'main.jsonl.1': Buffer.from(fixtureText(fixtureLines({ lines: 200, seed: 2 }))),
    'helper.jsonl': Buffer.from(Array.from({ length: 70_000 }, () => Math.floor(rand() * 256))),
    'helper.jsonl.5': Buffer.alloc(0),
  };
  for (const [name, bytes] of Object.entries(files))
    await writeFile(path.join(logDir, name), bytes);
  await writeFile(path.join(logDir, 'notes.txt'), 'not a log');
  await mkdir(path.join(logDir, 'sub.jsonl.d'));
  const out = path.join(dir, 'out', 'logs.zip');
  const time = new Date('2026-11-25T10:00:00.000Z');
  assert.equal(
    await exportLogsZip(logDir, out, { version: '0.1.0', platform: 'linux', time }),
    out,
  );
  const entries = unzipSync(await readFile(out));
  assert.deepEqual(Object.keys(entries).sort(), ['about.json', ...Object.keys(files)].sort());
  for (const [name, bytes] of Object.entries(files)) {
    assert.ok(Buffer.from(entries[name]!).equals(bytes), name);
  }
  assert.deepEqual(JSON.parse(Buffer.from(entries['about.json']!).toString()), {
    time: time.toISOString(),
    platform: 'linux',
    version: '0.1.0',
    files: Object.keys(files).sort(),
  });
  assert.deepEqual(await readdir(path.dirname(out)), ['logs.zip'], 'no partial file left');
  // An empty or missing directory still gives a valid zip with about.json.
  const empty = path.join(dir, 'out', 'empty.zip');
  await exportLogsZip(path.join(dir, 'missing'), empty, { version: 'v', platform: 'p' });
  assert.deepEqual(Object.keys(unzipSync(await readFile(empty))), ['about.json']);
  // A streamed log (the system helper's, read through IPC) goes in next to the files.
  const streamedZip = path.join(dir, 'out', 'streamed.zip');
  async function* helperLines() {
    yield Buffer.from('{"a":1}\n');
    yield Buffer.from('{"a":2}\n');
  }
  await exportLogsZip(path.join(dir, 'missing'), streamedZip, { version: 'v', platform: 'p' }, [
    { name: 'helper.jsonl', chunks: helperLines() },
  ]);
  const withStream = unzipSync(await readFile(streamedZip));
  assert.equal(Buffer.from(withStream['helper.jsonl']!).toString(), '{"a":1}\n{"a":2}\n');
  assert.deepEqual(JSON.parse(Buffer.from(withStream['about.json']!).toString()).files, [
    'helper.jsonl',
  ]);
});
