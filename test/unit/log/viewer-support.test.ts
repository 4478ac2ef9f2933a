// Log locations per OS, and the line index the log viewer pages through.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { LineIndex } from '../../../app/log/line-index.js';
import { logDirectory, logFile } from '../../../app/log/location.js';

test('log directories: XDG state home on Linux, LOCALAPPDATA on Windows', () => {
  assert.equal(logDirectory('linux', {}, '/home/ann'), '/home/ann/.local/state/slipstream/logs');
  assert.equal(
    logDirectory('linux', { XDG_STATE_HOME: '/var/lib/ann' }, '/home/ann'),
    '/var/lib/ann/slipstream/logs',
  );
  assert.equal(
    logDirectory('linux', { XDG_STATE_HOME: 'relative/dir' }, '/home/ann'),
    '/home/ann/.local/state/slipstream/logs',
    'a relative XDG_STATE_HOME is ignored, as the spec says',
  );
  assert.equal(
    logDirectory('win32', { LOCALAPPDATA: 'C:\\Users\\Ann\\AppData\\Local' }, 'C:\\Users\\Ann'),
    'C:\\Users\\Ann\\AppData\\Local\\Slipstream\\logs',
  );
  assert.equal(
    logDirectory('win32', {}, 'C:\\Users\\Ann'),
    'C:\\Users\\Ann\\AppData\\Local\\Slipstream\\logs',
  );
  assert.equal(logFile('/x', 'helper', 'linux'), '/x/helper.jsonl');
});

const entry = (i: number) =>
  JSON.stringify({
    time: '2026-11-25T08:00:00.000Z',
    level: 'info',
    target: 't',
    message: `m${i}`,
    i,
  });

test('pages of lines come back parsed; malformed lines raw and marked; partial lines wait', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ss-lines-'));
  const file = path.join(dir, 'main.jsonl');
  try {
    await writeFile(
      file,
      `${entry(0)}\n{not json\n${entry(2)}\r\n\n${entry(4)}\n${entry(5).slice(0, 20)}`,
    );
    const index = await LineIndex.open(file);
    assert.equal(index.lines, 5, 'the unterminated last line is not a line yet');
    const page = await index.read(0, 10);
    assert.deepEqual(
      page.map((l) => (l.ok ? `${l.line}:${l.message}` : `${l.line}:raw:${l.raw}`)),
      ['0:m0', '1:raw:{not json', '2:m2', '3:raw:', '4:m4'],
    );
    const bad = page[1];
    assert.ok(bad && !bad.ok && bad.problem === 'not valid JSON');
    assert.deepEqual(
      (await index.read(2, 2)).map((l) => l.line),
      [2, 3],
    );
    assert.deepEqual(await index.read(9, 5), []);
    // Follow-tail: the rest of the partial line and more lines arrive.
    await appendFile(file, `${entry(5).slice(20)}\n${entry(6)}\n`);
    assert.equal(await index.refresh(), 7);
    const tail = await index.read(5, 5);
    assert.deepEqual(
      tail.map((l) => l.ok && l.message),
      ['m5', 'm6'],
    );
    // Rotation (the file shrinks): the index starts over.
    await truncate(file, 0);
    await writeFile(file, `${entry(9)}\n`);
    assert.equal(await index.refresh(), 1);
    assert.equal((await index.read(0, 1))[0]?.ok && (await index.read(0, 1))[0]?.line, 0);
    await index.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a 200 000-line log is indexed in one pass and any page is one read', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ss-lines-'));
  const file = path.join(dir, 'big.jsonl');
  try {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(i % 1000 === 999 ? 'garbage' : entry(i));
    await writeFile(file, `${lines.join('\n')}\n`);
    const index = await LineIndex.open(file);
    assert.equal(index.lines, 200_000);
    const page = await index.read(150_990, 20);
    assert.equal(page.length, 20);
    assert.ok(page.every((l, k) => l.line === 150_990 + k));
    const garbage = page.filter((l) => !l.ok);
    assert.deepEqual(
      garbage.map((l) => l.line),
      [150_999],
    );
    await index.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
