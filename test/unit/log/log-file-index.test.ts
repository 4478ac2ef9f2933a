// test-platform: linux-only: checks root's refusal of hard links and other users' files by POSIX uid
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LogFileIndex } from '../../../app/log/log-file-index.js';
import { listLogFiles, openLogFile } from '../../../app/log/log-files.js';
import { makeTempDir } from '../../harness/tempfiles.js';

test('a line longer than the buffer ceiling is indexed in pieces, not held whole', async () => {
  const tmp = makeTempDir('ss-logindex-');
  try {
    const file = path.join(tmp.path, 'main.log');
    const long = 'x'.repeat(10_000);
    writeFileSync(
      file,
      `{"level":"info","message":"a"}\n${long}\n{"level":"warn","message":"b"}\n`,
    );
    const [entry] = await listLogFiles(file);
    const opened = await openLogFile(entry!);
    assert.ok(opened);
    const index = new LogFileIndex(opened, 'main.log', { chunkBytes: 1024, maxLineBytes: 4096 });
    await index.refresh();
    // 10 000 bytes through a 4 KiB ceiling: pieces of at most 4 KiB, nothing lost.
    assert.ok(index.lines >= 5, `${index.lines} lines`);
    for (let i = 0; i < index.lines; i++) assert.ok(index.lineBytes(i) <= 4096);
    const all = await index.readLines(Array.from({ length: index.lines }, (_, i) => i));
    assert.equal(
      all.join(''),
      `{"level":"info","message":"a"}${long}{"level":"warn","message":"b"}`,
    );
    assert.equal(all.at(-1), '{"level":"warn","message":"b"}');
    await index.close();
  } finally {
    tmp.remove();
  }
});

test('as root, a second name of a file (a hard link) is not read as a log', async (t) => {
  if (process.geteuid?.() !== 0) {
    t.diagnostic('runs as root only: the rule is about what root reads');
    assert.fail('this test must run as root (npm test runs as root)');
  }
  const tmp = makeTempDir('ss-logindex-');
  try {
    const secret = path.join(tmp.path, 'secret');
    writeFileSync(secret, 'root-only\n');
    const log = path.join(tmp.path, 'main.log');
    linkSync(secret, log);
    assert.deepEqual(await listLogFiles(log), []);
  } finally {
    tmp.remove();
  }
});
