// test-platform: linux-only: runs the Linux host's mingw-w64 compiler (test:windows builds with it instead)
// Windows cannot run here, but its side of the native addon can be compiled: every
// platform-neutral file and every file in native/src/windows and native/src/ring is checked with mingw-w64's
// g++ (-fsyntax-only, with the same -Wall -Wextra -Werror as the Linux build).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { requireCommands } from '../../harness/system-packages.js';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const src = path.join(root, 'native', 'src');
const CXX = 'x86_64-w64-mingw32-g++';

function nodeIncludeDir(): string {
  const dir = path.resolve(process.execPath, '..', '..', 'include', 'node');
  assert.ok(existsSync(path.join(dir, 'node_api.h')), `Node's headers at ${dir}`);
  return dir;
}

test('the addon’s Windows build compiles under mingw-w64 with -Wall -Wextra -Werror', () => {
  requireCommands(CXX);
  const addonApi = (createRequire(import.meta.url)('node-addon-api') as { include_dir: string })
    .include_dir;
  const files = [
    ...readdirSync(src).filter((f) => f.endsWith('.cc')),
    ...readdirSync(path.join(src, 'windows')).map((f) => path.join('windows', f)),
    // The Wintun ring logic, shared by both platforms.
    ...readdirSync(path.join(src, 'ring')).map((f) => path.join('ring', f)),
  ];
  assert.ok(files.some((f) => f.startsWith('windows')));
  const failures: string[] = [];
  for (const file of files) {
    const r = spawnSync(
      CXX,
      [
        '-std=c++17',
        '-fsyntax-only',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-DNAPI_VERSION=8',
        '-DNAPI_DISABLE_CPP_EXCEPTIONS',
        `-I${nodeIncludeDir()}`,
        `-I${path.resolve(root, addonApi)}`,
        path.join(src, file),
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) failures.push(`${file}:\n${r.stderr.slice(0, 2000)}`);
  }
  assert.deepEqual(failures, []);
});

test('binding.gyp’s Windows build lists every .cc file in native/src/windows and native/src/ring', async () => {
  const gyp = (await import('node:fs')).readFileSync(
    path.join(root, 'native', 'binding.gyp'),
    'utf8',
  );
  const listed = new Set([...gyp.matchAll(/"(src\/[^"]+\.cc)"/g)].map((m) => m[1]));
  const wanted = [
    ...readdirSync(path.join(src, 'windows'))
      .filter((f) => f.endsWith('.cc'))
      .map((f) => `src/windows/${f}`),
    ...readdirSync(path.join(src, 'ring'))
      .filter((f) => f.endsWith('.cc'))
      .map((f) => `src/ring/${f}`),
  ];
  assert.deepEqual(
    wanted.filter((f) => !listed.has(f)),
    [],
  );
});
