// test-platform: linux-only: checks POSIX file modes of log files
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../app/log/logger.js';
import { fileSink } from '../../../app/log/sinks.js';

let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipstream-log-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

test('creates missing directories and a 0600 file, and appends to what is there', async () => {
  const path = join(dir, 'nested', 'deeper', 'slipstream.log');
  const first = fileSink(path);
  first.write('{"n":1}');
  await first.close?.();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'nested')).mode & 0o777, 0o700);
  const second = fileSink(path);
  second.write('{"n":2}');
  await second.close?.();
  assert.deepEqual(readLines(path), ['{"n":1}', '{"n":2}']);
});

test('an existing log file with loose permissions is tightened to 0600', async () => {
  const path = join(dir, 'loose.log');
  writeFileSync(path, '', { mode: 0o644 });
  const sink = fileSink(path);
  await sink.close?.();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('rotates by size into file.1 .. file.N and deletes older files', async () => {
  const path = join(dir, 'rotate', 'app.log');
  const sink = fileSink(path, { maxBytes: 300, maxFiles: 3 });
  const log = createLogger({ level: 'info', target: 'rot', sinks: [sink] });
  const total = 60;
  for (let i = 0; i < total; i++) log.info('rotation test line', { i });
  await log.flush();
  await sink.close?.();

  const names = (await readdir(join(dir, 'rotate'))).sort();
  assert.deepEqual(names, ['app.log', 'app.log.1', 'app.log.2', 'app.log.3']);
  for (const name of names) assert.ok(statSync(join(dir, 'rotate', name)).size <= 300, name);

  // Oldest to newest, the kept lines are the most recent ones, contiguous and complete.
  const kept = [`${path}.3`, `${path}.2`, `${path}.1`, path].flatMap(readLines);
  const numbers = kept.map((line) => (JSON.parse(line) as { i: number }).i);
  assert.equal(numbers[numbers.length - 1], total - 1);
  numbers.forEach((n, k) => assert.equal(n, numbers[0]! + k));
  assert.ok(numbers[0]! > 0, 'the oldest lines were deleted');
  assert.ok(kept.length >= 8, `kept ${kept.length} lines`);
});

test('maxFiles 0 keeps only the live file; an oversized line is still written whole', async () => {
  const path = join(dir, 'single.log');
  const sink = fileSink(path, { maxBytes: 50, maxFiles: 0 });
  sink.write('a'.repeat(30));
  sink.write('b'.repeat(30));
  sink.write('c'.repeat(120));
  await sink.close?.();
  assert.ok(!existsSync(`${path}.1`));
  assert.deepEqual(readLines(path), ['c'.repeat(120)]);
});

test('bad paths and options fail at creation with a short message', () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  assert.throws(
    () => fileSink(join(file, 'app.log')),
    /^Error: cannot open log file .*plain-file\/app\.log: a parent is not a directory$/,
  );
  assert.throws(() => fileSink(dir), /cannot open log file .*: is a directory$/);
  assert.throws(
    () => fileSink(join(dir, 'x.log'), { maxBytes: 0 }),
    /maxBytes must be an integer of at least 1/,
  );
  assert.throws(
    () => fileSink(join(dir, 'x.log'), { maxFiles: -1 }),
    /maxFiles must be an integer of at least 0/,
  );
  assert.throws(() => fileSink(join(dir, 'x.log'), { maxFiles: 1.5 }), /maxFiles/);
});

test('writing after close fails inside the sink, never in the logging caller', async () => {
  const path = join(dir, 'closed.log');
  const sink = fileSink(path);
  await sink.close?.();
  assert.throws(() => sink.write('late'), /already closed/);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const notices: string[] = [];
  // Capture the one-time notice instead of printing it amid the test output.
  process.stderr.write = ((chunk: string | Uint8Array) => {
    notices.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const log = createLogger({ level: 'info', target: 't', sinks: [sink] });
    assert.doesNotThrow(() => {
      log.info('one');
      log.info('two');
    });
  } finally {
    process.stderr.write = stderrWrite;
  }
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /a log output failed \(log file already closed\)/);
});
