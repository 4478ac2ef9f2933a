import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { SessionStoreError } from '../../../app/signin/errors.js';
import { EncryptedFileStore, MemoryStore } from '../../../app/signin/secret-store.js';
import { makeTempDir } from '../../harness/tempfiles.js';
import { sampleSession } from './fixtures.js';

const POSIX = process.platform !== 'win32';

test('round trip: what is saved is loaded back, and nothing is readable in the file', async () => {
  const tmp = makeTempDir('ss-store-');
  try {
    const store = new EncryptedFileStore(path.join(tmp.path, 'nested', 'slipstream'));
    assert.equal(await store.load(), null, 'nothing saved yet');
    const session = sampleSession();
    await store.save(session);
    assert.deepEqual(await store.load(), session);
    const raw = readFileSync(store.sessionPath);
    for (const secret of [
      session.privateKey,
      session.tokens.access,
      session.tokens.refresh,
      'Ann',
    ]) {
      assert.ok(!raw.includes(Buffer.from(secret)), 'plaintext must not appear in session.enc');
    }
    // A second save uses a fresh nonce: same session, different bytes.
    await store.save(session);
    assert.notDeepEqual(readFileSync(store.sessionPath), raw);
    assert.deepEqual(await store.load(), session);
  } finally {
    tmp.remove();
  }
});

test(
  'permissions: 0700 directory, 0600 files, a too-open directory is tightened',
  { skip: !POSIX },
  async () => {
    const tmp = makeTempDir('ss-store-');
    try {
      const dir = path.join(tmp.path, 'state');
      mkdirSync(dir, { mode: 0o755 });
      chmodSync(dir, 0o755);
      const store = new EncryptedFileStore(dir);
      await store.save(sampleSession());
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(store.sessionPath).mode & 0o777, 0o600);
      assert.equal(statSync(store.keyPath).mode & 0o777, 0o600);
      assert.equal(statSync(store.keyPath).size, 32);
    } finally {
      tmp.remove();
    }
  },
);

async function assertRefused(store: EncryptedFileStore): Promise<void> {
  await assert.rejects(store.load(), (err: unknown) => {
    assert.ok(err instanceof SessionStoreError);
    assert.match(err.message, /damaged or was changed/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
}

test('a changed byte anywhere is refused, never half-trusted', async () => {
  const tmp = makeTempDir('ss-store-');
  try {
    const store = new EncryptedFileStore(tmp.path);
    await store.save(sampleSession());
    const good = readFileSync(store.sessionPath);
    for (const offset of [0, 30, 40, good.length - 20, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[offset]! ^= 0x01;
      writeFileSync(store.sessionPath, bad);
      await assertRefused(store);
    }
    writeFileSync(store.sessionPath, good.subarray(0, 30));
    await assertRefused(store);
    writeFileSync(store.sessionPath, '');
    await assertRefused(store);
    // Saving again recovers: a damaged file is just signed out.
    await store.save(sampleSession());
    assert.ok(await store.load());
  } finally {
    tmp.remove();
  }
});

test('the wrong key or a missing key is refused', async () => {
  const tmp = makeTempDir('ss-store-');
  try {
    const store = new EncryptedFileStore(tmp.path);
    await store.save(sampleSession());
    writeFileSync(store.keyPath, randomBytes(32));
    await assertRefused(store);
    writeFileSync(store.keyPath, randomBytes(31));
    await assertRefused(store);
    await store.clear();
    await store.save(sampleSession());
    const blob = readFileSync(store.sessionPath);
    await store.clear();
    writeFileSync(store.sessionPath, blob); // the session without its key (a backup of one file)
    await assertRefused(store);
  } finally {
    tmp.remove();
  }
});

test('valid ciphertext of something that is not a session is refused', async () => {
  const tmp = makeTempDir('ss-store-');
  try {
    const store = new EncryptedFileStore(tmp.path);
    const bogus = { ...sampleSession(), privateKey: 'not a key' };
    await store.save(bogus as never);
    await assertRefused(store);
  } finally {
    tmp.remove();
  }
});

test('clear removes the session and the key and is idempotent', async () => {
  const tmp = makeTempDir('ss-store-');
  try {
    const store = new EncryptedFileStore(tmp.path);
    await store.save(sampleSession());
    await store.clear();
    await store.clear();
    assert.equal(await store.load(), null);
    assert.throws(() => statSync(store.keyPath), /ENOENT/);
  } finally {
    tmp.remove();
  }
});

test('MemoryStore hands out copies', async () => {
  const store = new MemoryStore();
  const s = sampleSession();
  await store.save(s);
  const loaded = await store.load();
  loaded!.tokens.access = 'changed';
  assert.equal((await store.load())!.tokens.access, 'access-token-1');
  await store.clear();
  assert.equal(await store.load(), null);
});
