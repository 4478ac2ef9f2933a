// The V8 flags of the processes that carry a tunnel (app/util/runtime-flags.ts) are written
// out where a shell, a shebang or the service manager starts them; they must stay equal, and
// the runtime must accept them and actually use the smaller young generation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TUNNEL_RUNTIME_FLAGS } from '../../../app/util/runtime-flags.js';
import { root } from './tools.js';

const flags = TUNNEL_RUNTIME_FLAGS.join(' ');

test('the CLI shebang (source and build) carries the flags, through env -S', () => {
  for (const file of ['app/cli/main.ts', 'dist/app/cli/main.js']) {
    const first = readFileSync(path.join(root, file), 'utf8').split('\n')[0];
    assert.equal(first, `#!/usr/bin/env -S node ${flags}`, file);
  }
});

test('the Linux launcher puts the flags before the helper entry', () => {
  const launcher = readFileSync(path.join(root, 'app/packaging/linux/slipstream-helper'), 'utf8');
  assert.ok(launcher.includes(`exec "$exe" ${flags} "$entry"`));
});

test('Node accepts the flags and keeps its young generation to 4 MiB semi-spaces', () => {
  // Objects that live a little while (a window of 200 000), as packets in flight do: the
  // default young generation grows to its 32 MiB, the flagged one stops at 2 × 4 MiB.
  const script =
    'const keep = new Array(200000);' +
    'for (let i = 0; i < 4e6; i++) keep[i % 200000] = new Uint8Array(16);' +
    "const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');" +
    'console.log(JSON.stringify({ size: s.space_size }));';
  const run = (extra: readonly string[]) => {
    const r = spawnSync(process.execPath, [...extra, '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { size: number };
  };
  const withFlags = run(TUNNEL_RUNTIME_FLAGS);
  const without = run([]);
  assert.ok(withFlags.size <= 8 * 1024 * 1024, `new space ${withFlags.size} bytes`);
  assert.ok(withFlags.size < without.size, `${withFlags.size} vs default ${without.size}`);
});
