// `sudo slipstream login|up --portal|logout` keep the session in the invoking user's
// directory, which that user controls. Root must never follow what the user plants there:
// every file operation runs as SUDO_UID in a child process. These tests play the user
// "nobody" (a real second uid) attacking the directory, and check that root's files and
// directories are untouched, while the honest case still works and leaves the user's files.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SessionStoreError } from '../../app/signin/errors.js';
import { EncryptedFileStore } from '../../app/signin/secret-store.js';
import { sessionFilesFor, UserFiles } from '../../app/signin/session-files.js';
import { cleanupAll, makeTempDir, ManagedProcess, requireRoot } from '../harness/index.js';
import { sampleSession } from '../unit/signin/fixtures.js';
import { CLI } from './slipstream.js';

const USER = 65534; // nobody: the user who ran sudo
const SAVER = fileURLToPath(new URL('./fixtures/save-under-sigint.js', import.meta.url));
const SUDO = { SUDO_UID: String(USER), SUDO_GID: String(USER), SUDO_USER: 'nobody' };

/** Runs `command` as the user (the attacker's own moves): a shell command run as nobody. */
function asUser(command: string): void {
  const r = spawnSync('sh', ['-c', command], { uid: USER, gid: USER, encoding: 'utf8' });
  assert.equal(r.status, 0, `as nobody: ${command}: ${r.stderr}`);
}

/** Owner, mode and content of a path, to prove root left it alone. */
function fingerprint(p: string): string {
  const s = lstatSync(p);
  const content = s.isFile() ? readFileSync(p, 'utf8') : readdirSync(p).sort().join(',');
  return `${s.uid}:${s.gid}:${(s.mode & 0o7777).toString(8)}:${content}`;
}

describe('the CLI session directory under sudo, attacked by the user who ran sudo', () => {
  let base: string;
  let home: string;
  let rootDir: string;
  let rootFile: string;

  before(() => {
    requireRoot();
    base = makeTempDir('ss-sudo-').path;
    chmodSync(base, 0o755);
    // The user's home, theirs alone.
    home = path.join(base, 'home');
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, USER, USER);
    // Things only root may touch.
    rootDir = path.join(base, 'root-only');
    mkdirSync(rootDir, { mode: 0o755 });
    rootFile = path.join(rootDir, 'secret');
    writeFileSync(rootFile, 'root only\n', { mode: 0o600 });
  });
  after(async () => {
    await cleanupAll();
  });

  test('under sudo the files are handled by a child running as SUDO_UID', () => {
    const files = sessionFilesFor(path.join(home, 'cfg'), SUDO);
    assert.ok(files instanceof UserFiles);
    assert.equal((files as UserFiles).uid, USER);
    assert.ok(!(sessionFilesFor(path.join(home, 'cfg'), {}) instanceof UserFiles));
    // Empty or malformed ids are not a user: root does its own files then.
    assert.ok(!(sessionFilesFor(home, { SUDO_UID: '', SUDO_GID: '' }) instanceof UserFiles));
    assert.ok(!(sessionFilesFor(home, { SUDO_UID: '0', SUDO_GID: '0' }) instanceof UserFiles));
  });

  test('honest use: save, load, clear; the files belong to the user, 0600 in a 0700 directory', async () => {
    const dir = path.join(home, 'honest', 'slipstream');
    const store = new EncryptedFileStore(dir, sessionFilesFor(dir, SUDO));
    const session = sampleSession();
    await store.save(session);
    assert.deepEqual(await store.load(), session);
    for (const f of [store.sessionPath, store.keyPath]) {
      const s = statSync(f);
      assert.deepEqual([s.uid, s.gid, s.mode & 0o777], [USER, USER, 0o600], f);
    }
    const d = statSync(dir);
    assert.deepEqual([d.uid, d.mode & 0o777], [USER, 0o700]);
    await store.clear();
    assert.deepEqual(readdirSync(dir), []);
  });

  test('the directory swapped for a symlink to a root directory: root does not chmod or write it', async () => {
    const before = fingerprint(rootDir);
    const dir = path.join(home, 'linked');
    asUser(`ln -s ${rootDir} ${dir}`);
    const store = new EncryptedFileStore(dir, sessionFilesFor(dir, SUDO));
    await assert.rejects(store.save(sampleSession()), SessionStoreError);
    await assert.rejects(store.load(), SessionStoreError);
    await store.clear().catch(() => undefined);
    assert.equal(fingerprint(rootDir), before, 'root directory untouched');
  });

  test('files swapped for symlinks to a root-only file: never read, chowned, chmodded or replaced', async () => {
    const before = fingerprint(rootFile);
    const dir = path.join(home, 'planted');
    asUser(
      `mkdir -m 700 ${dir} && ln -s ${rootFile} ${dir}/session.enc && ln -s ${rootFile} ${dir}/session.key`,
    );
    const store = new EncryptedFileStore(dir, sessionFilesFor(dir, SUDO));
    // Not readable through the link: refused as unreadable, never decrypted.
    await assert.rejects(store.load(), SessionStoreError);
    // Saving replaces the links in the user's directory (rename), never writes through them.
    await store.save(sampleSession()).catch(() => undefined);
    await store.clear().catch(() => undefined);
    assert.equal(fingerprint(rootFile), before, 'root-only file untouched');
  });

  test('a temporary file raced into a symlink cannot make root chown anything', async () => {
    // The old code wrote as root, then chowned the temp file to the directory's owner. Now the
    // user's own process writes: a watcher (as the user) replacing every new *.tmp with a link
    // to the root file gains nothing.
    const before = fingerprint(rootFile);
    const dir = path.join(home, 'raced');
    asUser(`mkdir -m 700 ${dir}`);
    const watcher = spawn(
      'sh',
      [
        '-c',
        `while :; do for t in ${dir}/*.tmp; do [ -e "$t" ] && ln -sf ${rootFile} "$t"; done; done`,
      ],
      { uid: USER, gid: USER, stdio: 'ignore' },
    );
    try {
      const store = new EncryptedFileStore(dir, sessionFilesFor(dir, SUDO));
      for (let i = 0; i < 10; i++) await store.save(sampleSession()).catch(() => undefined);
    } finally {
      watcher.kill('SIGKILL');
    }
    assert.equal(fingerprint(rootFile), before, 'root-only file untouched');
  });

  test('Ctrl-C to the whole process group does not cut a save short', async () => {
    const dir = path.join(home, 'sigint');
    const proc = new ManagedProcess(process.execPath, [SAVER, dir], {
      env: SUDO,
      processGroup: true,
      label: 'saver',
    });
    await proc.waitForOutput(/^ready$/m, { timeoutMs: 10_000 });
    // Several times while the saves go on, as a user hammering Ctrl-C might.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 150));
      if (proc.isRunning()) proc.signalGroup('SIGINT');
    }
    const exit = await proc.exited;
    assert.match(proc.stdout(), /^saved 25; signalled true$/m, proc.stdout() + proc.stderr());
    assert.equal(exit.code, 0);
  });

  test('the real CLI under sudo: logout on a planted directory leaves root files alone', () => {
    const before = fingerprint(rootDir);
    const dir = path.join(home, 'cli-linked');
    asUser(`ln -s ${rootDir} ${dir}`);
    const r = spawnSync(process.execPath, [CLI, 'logout', '--state-dir', dir], {
      env: { ...process.env, ...SUDO },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.ok(r.status !== null, 'exited normally');
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    assert.equal(fingerprint(rootDir), before, 'root directory untouched');
  });
});
