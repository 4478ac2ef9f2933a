// test-platform: linux-only: the Linux helper's uid and /run socket arguments
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHelperArgs } from '../../../app/helper/args.js';
import { hasNetAdmin } from '../../../app/main/helper-launcher.js';

const base = [
  '--socket',
  '/run/x.sock',
  '--uid',
  '1000',
  '--gid',
  '1000',
  '--state-dir',
  '/s',
  '--log-dir',
  '/l',
];

test('helper arguments: required, typed, nothing unknown', () => {
  assert.deepEqual(parseHelperArgs(base), {
    socket: '/run/x.sock',
    uid: 1000,
    gid: 1000,
    stateDir: '/s',
    logDir: '/l',
    ifname: null,
    logLevel: 'info',
  });
  assert.equal(parseHelperArgs([...base, '--ifname', 'slip0']).ifname, 'slip0');
  assert.throws(() => parseHelperArgs(base.slice(2)), /missing --socket/);
  assert.throws(() => parseHelperArgs([...base, '--uid', '-1']), /not a user id/);
  assert.throws(() => parseHelperArgs([...base, '--evil', 'x']), /unknown option --evil/);
  assert.throws(() => parseHelperArgs([...base, '--log-level']), /usage/);
  assert.throws(() => parseHelperArgs([...base, '--log-level', 'loud']));
});

test('CAP_NET_ADMIN is read from the effective capability set', () => {
  assert.equal(hasNetAdmin('Name:\tx\nCapEff:\t000001ffffffffff\n'), true);
  assert.equal(hasNetAdmin('CapEff:\t0000000000001000\n'), true);
  assert.equal(hasNetAdmin('CapEff:\t0000000000000000\n'), false);
  assert.equal(hasNetAdmin('nothing here'), false);
});
