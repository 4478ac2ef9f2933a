// The installer's step that creates %ProgramData%\Slipstream (dist/app/helper/
// install-data-root.js, which installer.nsh runs with Electron's Node), run here by
// Windows node.exe under wine against a scratch %ProgramData%: a fresh directory is
// created; one that was there first (wine reports its owner as the user, as Windows
// would for a directory a user made) is renamed aside with its contents and replaced
// by an empty one. Whether the new DACL really keeps users out needs a real Windows
// (wine does not enforce DACLs); CreateDirectoryW with the descriptor is the same call
// addon.test.ts checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'app',
  'helper',
  'install-data-root.js',
);

function install(programData: string) {
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, ProgramData: programData },
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

test('install-data-root: creates the data root, and replaces one somebody made first', () => {
  const programData = `C:\\SlipstreamDataRootTest-${process.pid}`;
  const root = `${programData}\\Slipstream`;
  rmSync(programData, { recursive: true, force: true });
  mkdirSync(programData);
  try {
    const first = install(programData);
    assert.equal(first.status, 0, first.out);
    assert.equal(first.out, `slipstream: ${root} ready`);
    assert.deepEqual(readdirSync(root), []);

    // Planted: a directory with something in it, made by this (non-system) user.
    rmSync(root, { recursive: true });
    mkdirSync(root);
    writeFileSync(`${root}\\planted.txt`, 'x');
    const second = install(programData);
    assert.equal(second.status, 0, second.out);
    const aside = readdirSync(programData).filter((n) => n.startsWith('Slipstream.untrusted-'));
    assert.equal(aside.length, 1);
    assert.ok(second.out.includes(`what was there before is now ${programData}\\${aside[0]}`));
    assert.deepEqual(readdirSync(root), [], 'the new one starts empty');
    assert.deepEqual(readdirSync(`${programData}\\${aside[0]}`), ['planted.txt']);

    // No %ProgramData% to create it in: a clear error and exit 1, nothing made.
    const missing = install(`${programData}\\nope`);
    assert.equal(missing.status, 1);
    assert.match(
      missing.out,
      /could not prepare .*nope\\Slipstream: ensureSecureDirectory: CreateDirectoryW/,
    );
    assert.equal(existsSync(`${programData}\\nope`), false);
  } finally {
    rmSync(programData, { recursive: true, force: true });
  }
});
