// test-platform: linux-only: pkexec and polkit
// Starting the helper through pkexec, as an unprivileged GUI does: pkexec runs the installed
// launcher itself (so the shipped polkit action matches), never /usr/bin/env; a missing
// pkexec is one clear sentence, not a crash. Runs the launcher code as "nobody" with a fake
// pkexec on PATH that records its arguments.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAsUser } from '../../harness/as-user.js';
import { makeTempDir } from '../../harness/tempfiles.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/launch-as-user.js', import.meta.url));
const LAUNCHER = '/opt/Slipstream/resources/linux/slipstream-helper';
const NOBODY = 65534;

let dir: string;
before(() => {
  if (process.getuid?.() !== 0) throw new Error('this test switches to another user: run as root');
  dir = makeTempDir('ss-launch-').path;
  chmodSync(dir, 0o777);
});

async function launch(
  pathDir: string,
  pkexecCommand: string,
  env: Record<string, string> = {},
): Promise<{ ok: boolean; message?: string }> {
  const r = await runAsUser(
    NOBODY,
    NOBODY,
    FIXTURE,
    [path.join(dir, 'no-such.sock'), pkexecCommand, JSON.stringify(env)],
    { env: { PATH: pathDir, HOME: '/nonexistent' } },
  );
  const last = r.stdout.trim().split('\n').pop();
  assert.ok(last, `no output; exit ${r.code}; stderr ${r.stderr.slice(0, 400)}`);
  return JSON.parse(last) as { ok: boolean; message?: string };
}

test('pkexec runs the installed launcher directly, with the helper entry and options', async () => {
  const bin = path.join(dir, 'bin');
  const record = path.join(dir, 'pkexec-args');
  mkdirSync(bin, { mode: 0o755 });
  writeFileSync(
    path.join(bin, 'pkexec'),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${record}\necho "not authorised" >&2\nexit 126\n`,
  );
  chmodSync(path.join(bin, 'pkexec'), 0o755);
  chmodSync(dir, 0o777);
  const r = await launch(`${bin}:/usr/bin:/bin`, LAUNCHER, { ELECTRON_RUN_AS_NODE: '1' });
  assert.equal(r.ok, false);
  assert.match(r.message ?? '', /did not start: not authorised/);
  const args = readFileSync(record, 'utf8').trim().split('\n');
  assert.deepEqual(args.slice(0, 3), [
    '--disable-internal-agent',
    LAUNCHER,
    '/opt/Slipstream/resources/app.asar.unpacked/dist/app/helper/main.js',
  ]);
  assert.ok(!args.includes('/usr/bin/env'), 'never pkexec /usr/bin/env');
  assert.ok(args.includes('--socket'));
  // Development without a launcher: needing an environment is a sentence, not a prompt.
  const dev = await launch(`${bin}:/usr/bin:/bin`, '-', { ELECTRON_RUN_AS_NODE: '1' });
  assert.match(dev.message ?? '', /helper is not installed/);
});

test('no pkexec on the machine: one clear sentence, and the app keeps running', async () => {
  const empty = path.join(dir, 'empty');
  mkdirSync(empty, { mode: 0o755 });
  const r = await launch(empty, LAUNCHER);
  assert.equal(r.ok, false);
  assert.match(r.message ?? '', /^pkexec is not installed/);
  assert.equal(existsSync(path.join(dir, 'no-such.sock')), false);
});
