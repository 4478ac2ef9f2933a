// test-platform: linux-only: POSIX owner and mode checks of /run/slipstream
// The runtime directory the CLI's journal and the helper's socket share: one mode whoever
// creates it first, and never a directory somebody else owns or a symlink.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureOwnedDir, RUNTIME_DIR_MODE } from '../../../app/util/owned-dir.js';
import { makeTempDir } from '../../harness/tempfiles.js';

test('created with the mode, and an existing directory set to it', async () => {
  const tmp = makeTempDir('ss-owned-');
  try {
    const fresh = path.join(tmp.path, 'a', 'b');
    await ensureOwnedDir(fresh, RUNTIME_DIR_MODE);
    assert.equal(statSync(fresh).mode & 0o7777, 0o755);
    const tight = path.join(tmp.path, 'tight');
    mkdirSync(tight, { mode: 0o700 });
    await ensureOwnedDir(tight, RUNTIME_DIR_MODE);
    assert.equal(statSync(tight).mode & 0o7777, 0o755, 'a 0700 directory made by the CLI opens');
    const wide = path.join(tmp.path, 'wide');
    mkdirSync(wide);
    chmodSync(wide, 0o777);
    await assert.rejects(ensureOwnedDir(wide, RUNTIME_DIR_MODE), /writable by other users/);
    assert.equal(statSync(wide).mode & 0o7777, 0o777, 'refused, not silently repaired');
  } finally {
    tmp.remove();
  }
});

test("a symlink, a file or another user's directory is refused", async () => {
  const tmp = makeTempDir('ss-owned-');
  try {
    const target = path.join(tmp.path, 'target');
    mkdirSync(target);
    const link = path.join(tmp.path, 'link');
    symlinkSync(target, link);
    await assert.rejects(ensureOwnedDir(link, RUNTIME_DIR_MODE), /not a directory/);
    const file = path.join(tmp.path, 'file');
    writeFileSync(file, '');
    await assert.rejects(ensureOwnedDir(file, RUNTIME_DIR_MODE));
    if (process.getuid?.() === 0) {
      const theirs = path.join(tmp.path, 'theirs');
      mkdirSync(theirs, { mode: 0o755 });
      chownSync(theirs, 65534, 65534);
      await assert.rejects(ensureOwnedDir(theirs, RUNTIME_DIR_MODE), /must belong/);
      assert.equal(statSync(theirs).uid, 65534);
    }
  } finally {
    tmp.remove();
  }
});
