// test-platform: linux-only: checks POSIX file modes of the settings file
// Settings: defaults when absent, damaged files fall back without failing, partial files keep
// what they can, updates are validated and written privately.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, SettingsStore } from '../../../app/main/settings-store.js';
import { makeTempDir } from '../../harness/tempfiles.js';

test('defaults, updates, persistence and damage', async () => {
  const tmp = makeTempDir('ss-settings-');
  try {
    const first = await SettingsStore.open(tmp.path);
    assert.equal(first.problem, null);
    assert.deepEqual(first.store.value, DEFAULT_SETTINGS);
    const next = await first.store.update({ logLevel: 'debug' });
    assert.equal(next.logLevel, 'debug');
    await assert.rejects(first.store.update({ logLevel: 'loud' as never }));
    assert.equal(first.store.value.logLevel, 'debug', 'a refused update changes nothing');
    const file = path.join(tmp.path, 'settings.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).logLevel, 'debug');
    assert.deepEqual((await SettingsStore.open(tmp.path)).store.value, next);

    await writeFile(file, JSON.stringify({ startAtLogin: true, unknown: 1 }));
    const partial = await SettingsStore.open(tmp.path);
    assert.deepEqual(partial.store.value, { ...DEFAULT_SETTINGS, startAtLogin: true });
    await writeFile(file, '{"logLevel": 7');
    const damaged = await SettingsStore.open(tmp.path);
    assert.equal(damaged.problem, 'not JSON');
    assert.deepEqual(damaged.store.value, DEFAULT_SETTINGS);
    await writeFile(file, JSON.stringify({ logLevel: 'loud' }));
    assert.equal((await SettingsStore.open(tmp.path)).problem, 'invalid values');
  } finally {
    tmp.remove();
  }
});
