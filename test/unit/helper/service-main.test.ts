// The Windows service entry refuses to run where it must not, before it touches the
// addon or the service manager: inside a full Electron app (process.type is set there;
// what happens when the service's ELECTRON_RUN_AS_NODE is missing) and off Windows.
// Its Windows run is test/windows/service-main.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REFUSE_FULL_ELECTRON } from '../../../app/helper/service-start.js';

const entry = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../app/helper/service-main.js',
);

function run(preload: string[]) {
  const r = spawnSync(process.execPath, [...preload, entry], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr.trim() };
}

test('as an Electron app (process.type set) the service refuses, with exit 2', () => {
  const r = run(['--import', "data:text/javascript,process.type='browser'"]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `slipstream: ${REFUSE_FULL_ELECTRON}`);
  assert.match(REFUSE_FULL_ELECTRON, /ELECTRON_RUN_AS_NODE=1/);
});

test('off Windows it refuses too', { skip: process.platform === 'win32' }, () => {
  const r = run([]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'slipstream: the helper service runs only on Windows');
});
