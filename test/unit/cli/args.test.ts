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
      '--js-data-path',
      '--crypto-workers',
      '0',
      '--stats-interval=5',
    ]),
    {
      command: 'up',
      config: 'c.conf',
      portal: null,
      stateDir: null,
      ifname: 'wg7',
      logLevel: 'debug',
      logFile: '/tmp/x',
      gso: false,
      nativeDataPath: false,
      cryptoWorkers: 0,
      statsIntervalSeconds: 5,
      killSwitch: null,
      allowLan: false,
    },
  );
});

test('defaults: kernel-chosen name, info level, no log file', () => {
  assert.deepEqual(parseArgs(['up', '--config', 'c.conf']), {
    command: 'up',
    config: 'c.conf',
    portal: null,
    stateDir: null,
    ifname: null,
    logLevel: 'info',
    logFile: null,
    gso: true,
    nativeDataPath: true,
    cryptoWorkers: null,
    statsIntervalSeconds: 60,
    killSwitch: null,
    allowLan: false,
  });
});

test('up --portal with a state directory', () => {
  assert.deepEqual(
    parseArgs(['up', '--portal', 'https://vpn.example.com', '--state-dir=/tmp/s', '--no-gso']),
    {
      command: 'up',
      config: null,
      portal: 'https://vpn.example.com',
      stateDir: '/tmp/s',
      ifname: null,
      logLevel: 'info',
      logFile: null,
      gso: false,
      nativeDataPath: true,
      cryptoWorkers: null,
      statsIntervalSeconds: 60,
      killSwitch: null,
      allowLan: false,
    },
  );
});

test('kill switch options and down', () => {
  const up = (...extra: string[]) => parseArgs(['up', '--config', 'c.conf', ...extra]);
  assert.deepEqual(
    [up(), up('--kill-switch'), up('--no-kill-switch'), up('--allow-lan')].map((c) =>
      c.command === 'up' ? [c.killSwitch, c.allowLan] : null,
    ),
    [
      [null, false],
      [true, false],
      [false, false],
      [null, true],
    ],
  );
  const both = up('--kill-switch', '--allow-lan');
  assert.ok(both.command === 'up' && both.killSwitch === true && both.allowLan);
  assert.deepEqual(parseArgs(['down']), { command: 'down', logLevel: 'warn' });
  assert.deepEqual(parseArgs(['down', '--log-level=info']), { command: 'down', logLevel: 'info' });
});

test('login and logout', () => {
  assert.deepEqual(parseArgs(['login', '--portal', 'https://vpn.example.com']), {
    command: 'login',
    portal: 'https://vpn.example.com',
    stateDir: null,
    logLevel: 'warn',
    openBrowser: true,
  });
  assert.deepEqual(
    parseArgs([
      'login',
      '--portal=https://p',
      '--state-dir',
      'd',
      '--no-browser',
      '--log-level',
      'debug',
    ]),
    { command: 'login', portal: 'https://p', stateDir: 'd', logLevel: 'debug', openBrowser: false },
  );
  assert.deepEqual(parseArgs(['logout']), { command: 'logout', stateDir: null, logLevel: 'warn' });
  assert.deepEqual(parseArgs(['logout', '--state-dir', 'd']), {
    command: 'logout',
    stateDir: 'd',
    logLevel: 'warn',
  });
  assert.deepEqual(parseArgs(['login', '--help']), { command: 'help' });
});

test('help and version', () => {
  assert.deepEqual(parseArgs(['--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['up', '--help']), { command: 'help' });
  assert.deepEqual(parseArgs(['--version']), { command: 'version' });
});

test('usage errors are short and specific', () => {
  const cases: [string[], RegExp][] = [
    [[], /missing command/],
    [['sideways'], /unknown command "sideways"/],
    [['down', '--config', 'c'], /unknown option --config for down/],
    [['up', '--config', 'a', '--kill-switch', '--no-kill-switch'], /contradict/],
    [['up', '--config', 'a', '--no-kill-switch', '--allow-lan'], /--allow-lan only applies/],
    [['up'], /needs --config FILE or --portal URL/],
    [['up', '--config', 'a', '--portal', 'https://p'], /either --config FILE or --portal URL/],
    [['up', '--config', 'a', '--state-dir', 'd'], /--state-dir only applies with --portal/],
    [['login'], /login needs --portal URL/],
    [['login', '--portal', 'https://p', '--config', 'c'], /unknown option --config for login/],
    [['login', '--portal'], /--portal needs a value/],
    [['logout', '--portal', 'https://p'], /unknown option --portal for logout/],
    [['logout', 'now'], /unexpected argument "now"/],
    [['up', '--portal', 'https://p', '--no-browser'], /unknown option --no-browser for up/],
    [['login', '--portal', 'https://p', '--no-gso'], /unknown option --no-gso/],
    [['login', '--portal', 'https://p', '--js-data-path'], /unknown option --js-data-path/],
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
