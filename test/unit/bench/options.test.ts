import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BenchUsageError,
  DEFAULT_OPTIONS,
  formatBenchCommand,
  parseBenchOptions,
} from '../../bench/tunnel/options.js';

test('defaults: every part, default seconds and rounds', () => {
  const o = parseBenchOptions([]);
  assert.equal(o.seconds, DEFAULT_OPTIONS.seconds);
  assert.equal(o.rounds, DEFAULT_OPTIONS.rounds);
  assert.equal(o.syscallSeconds, DEFAULT_OPTIONS.syscallSeconds);
  assert.deepEqual([...o.only].sort(), ['client', 'log-viewer', 'pair']);
  assert.equal(formatBenchCommand(o), 'sudo npm run bench');
});

test('both flag spellings, and the command line comes back for the report', () => {
  const o = parseBenchOptions([
    '--seconds',
    '3',
    '--rounds=1',
    '--syscall-seconds',
    '0',
    '--only',
    'pair,client',
  ]);
  assert.equal(o.seconds, 3);
  assert.equal(o.rounds, 1);
  assert.equal(o.syscallSeconds, 0);
  assert.deepEqual([...o.only].sort(), ['client', 'pair']);
  assert.equal(
    formatBenchCommand(o),
    'sudo npm run bench -- --seconds 3 --rounds 1 --syscall-seconds 0 --only client,pair',
  );
});

test('bad input is refused with a sentence naming the flag', () => {
  const bad: [string[], RegExp][] = [
    [['--seconds'], /--seconds needs a whole number/],
    [['--seconds', 'ten'], /--seconds needs a whole number/],
    [['--seconds', '0'], /--seconds must be 1-600/],
    [['--rounds', '-1'], /--rounds needs a whole number/],
    [['--rounds', '1.5'], /--rounds needs a whole number/],
    [['--only', 'client,speed'], /--only takes client, pair, log-viewer .*"speed"/],
    [['--only', ''], /--only takes/],
    [['--fast'], /unknown option "--fast"/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(
      () => parseBenchOptions(argv),
      (e: unknown) => {
        assert.ok(e instanceof BenchUsageError, `${argv.join(' ')} gives a usage error`);
        assert.match(e.message, message);
        return true;
      },
    );
  }
});
