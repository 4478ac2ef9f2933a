#!/usr/bin/env node
// Rebuilds the native addon when it was built before libsodium's headers were installed.
// On a fresh machine `npm ci` builds the addon first and `npm test`'s install step adds
// libsodium-dev afterwards; without this step the tests would run against an addon that
// lacks the native data path (openFastPath) and silently test only the JavaScript one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const addonFile = path.join(root, 'native', 'build', 'Release', 'slipstream.node');
// The same test binding.gyp makes (have_sodium).
const SODIUM_HEADER = '/usr/include/sodium.h';

function hasFastPath() {
  if (!existsSync(addonFile)) return false;
  // A child process, so this one never holds the old binary loaded.
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `process.exit(typeof require(${JSON.stringify(addonFile)}).openFastPath === 'function' ? 0 : 1)`,
    ],
    { stdio: 'ignore' },
  );
  return r.status === 0;
}

function main() {
  if (process.platform !== 'linux' || !existsSync(SODIUM_HEADER)) return 0;
  if (hasFastPath()) return 0;
  console.log('setup: rebuilding the native addon with libsodium (native data path)');
  // Through npm, as `npm ci` built it: npm hands node-gyp its configuration (nodedir, ...).
  const r = spawnSync('npm', ['run', '--silent', 'install'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0 || !hasFastPath()) {
    console.error('setup: the rebuilt addon still has no native data path');
    return 1;
  }
  return 0;
}

process.exit(main());
