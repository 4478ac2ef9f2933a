// test-platform: linux-only: the Linux platform layer's command runner, driven through /bin/sh
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../../app/platform/linux/exec.js';

// A tool that ends by SIGINT the first `times` runs, then prints "ran".
function script(dir: string, times: number, signal: string): string[] {
  const count = path.join(dir, 'count');
  return [
    '-c',
    `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n+1)) > ${count}; ` +
      `if [ "$n" -lt ${times} ]; then kill -${signal} $$; sleep 5; fi; echo ran`,
  ];
}

test('a tool ended once by a group signal (Ctrl-C at fork time) is run again', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ss-exec-'));
  try {
    const r = await runCommand('/bin/sh', script(dir, 1, 'INT'));
    assert.equal(r.stdout.trim(), 'ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second group signal, or any other signal, fails with the signal named', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ss-exec-'));
  try {
    await assert.rejects(
      runCommand('/bin/sh', script(dir, 2, 'TERM')),
      /sh -c .*: ended by SIGTERM$/,
    );
    rmSync(path.join(dir, 'count'));
    await assert.rejects(runCommand('/bin/sh', script(dir, 1, 'USR1')), /ended by SIGUSR1$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
