import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../../app/cli/args.js';

test('up with all options, both --k v and --k=v forms', () => {
  assert.deepEqual(
    parseArgs([
      'up',
      '--config',
      'c.conf',
      '--ifname=wg7',
      '--log-level',
      'debug',
      '--log-file=/tmp/x',
      '--no-gso',
      '--crypto-workers',
      '0',
      '--stats-interval=5',
    ]),
    {
      command: 'up',
      config: 'c.conf',
      ifname: 'wg7',
      logLevel: 'debug',
      logFile: '/tmp/x',
      gso: false,
      cryptoWorkers: 0,
      statsIntervalSeconds: 5,
    },
  );
});

test('defaults: kernel-chosen name, info level, no log file', () => {
  assert.deepEqual(parseArgs(['up', '--config', 'c.conf']), {
    command: 'up',
    config: 'c.conf',
    ifname: null,
    logLevel: 'info',
    logFile: null,
    gso: true,
    cryptoWorkers: null,
    statsIntervalSeconds: 60,
  });
});

test('help and version', () => {
  assert.deepEqual(parseArgs(['--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['up', '--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['--version']), { command: 'version' });
});

test('usage errors are short and specific', () => {
  const cases: [string[], RegExp][] = [
    [[], /missing command/],
    [['down'], /unknown command "down"/],
    [['up'], /needs --config/],
    [['up', '--config'], /--config needs a value/],
    [['up', '--config', 'a', '--config', 'b'], /given twice/],
    [['up', '--config', 'a', '--bogus', '1'], /unknown option --bogus/],
    [['up', '--config', 'a', 'stray'], /unexpected argument "stray"/],
    [['up', '--config', 'a', '--ifname', 'much-too-long-name0'], /bad --ifname/],
    [['up', '--config', 'a', '--ifname', 'a/b'], /bad --ifname/],
    [['up', '--config', 'a', '--log-level', 'loud'], /loud/],
    [['up', '--config', 'a', '--crypto-workers', '-1'], /bad --crypto-workers "-1"/],
    [['up', '--config', 'a', '--crypto-workers', '999'], /bad --crypto-workers/],
    [['up', '--config', 'a', '--stats-interval', '1.5'], /bad --stats-interval/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(
      () => parseArgs(argv),
      (err: unknown) => {
        assert.ok(err instanceof UsageError, `${argv.join(' ')} should be a UsageError`);
        assert.match(err.message, re);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});
