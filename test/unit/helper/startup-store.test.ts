// test-platform: linux-only: checks POSIX ownership and 0600 modes of the helper's state files
// StartupStore: "Connect at startup" and the last profile, in the helper's state directory.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StartupStore } from '../../../app/helper/startup-store.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ss-startup-store-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ID = '0123456789abcdef';

test('off by default; the last profile is offered only while the setting is on', async () => {
  const d = path.join(dir, 'a');
  await rm(d, { recursive: true, force: true });
  await mkdir(d);
  const { store, problem } = await StartupStore.open(d);
  assert.equal(problem, null);
  assert.deepEqual(store.settings, { connectAtStartup: false });
  // Quick changes made together all stick.
  await Promise.all([store.rememberProfile(ID), store.update({ connectAtStartup: true })]);
  assert.equal(store.startupProfile, ID);
  const file = path.join(d, 'startup.json');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const again = (await StartupStore.open(d)).store;
  assert.equal(again.startupProfile, ID, 'kept across a restart');
  await again.update({ connectAtStartup: false });
  assert.equal(again.startupProfile, null);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
    connectAtStartup: false,
    lastProfileId: ID,
  });
});

test('a damaged or tampered file means off, never a guess', async () => {
  for (const [text, problem] of [
    ['{not json', 'not JSON'],
    ['{"connectAtStartup":"yes","lastProfileId":null}', 'invalid values'],
    ['{"connectAtStartup":true,"lastProfileId":"../../etc/passwd"}', 'invalid values'],
  ] as const) {
    await writeFile(path.join(dir, 'startup.json'), text);
    const opened = await StartupStore.open(dir);
    assert.equal(opened.problem, problem, text);
    assert.equal(opened.store.startupProfile, null, text);
  }
});

test('updates accept only the setting itself', async () => {
  const { store } = await StartupStore.open(path.join(dir, 'none'));
  assert.throws(() => store.update({ lastProfileId: ID } as never));
  assert.throws(() => store.update({ connectAtStartup: 1 } as never));
});

test('the resume mark: only for the boot it was made in, and cleared', async () => {
  const d = path.join(dir, 'resume');
  await rm(d, { recursive: true, force: true });
  await mkdir(d);
  const { store } = await StartupStore.open(d);
  const boot = '6f1c1e4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f';
  assert.equal(store.resumeProfile(boot), null);
  await store.setResume({ profileId: ID, bootId: boot });
  const again = (await StartupStore.open(d)).store;
  assert.equal(again.resumeProfile(boot), ID, 'kept across a helper restart');
  assert.equal(
    again.resumeProfile('00000000-0000-0000-0000-000000000000'),
    null,
    'not after a reboot',
  );
  assert.equal(again.resumeProfile(null), null, 'nor where there is no boot id');
  assert.equal(again.startupProfile, null, '"Connect at startup" stays off');
  await again.setResume(null);
  assert.equal((await StartupStore.open(d)).store.resumeProfile(boot), null);
  assert.deepEqual(JSON.parse(await readFile(path.join(d, 'startup.json'), 'utf8')), {
    connectAtStartup: false,
    lastProfileId: null,
  });
  // A tampered mark is no mark.
  await writeFile(
    path.join(d, 'startup.json'),
    JSON.stringify({
      connectAtStartup: false,
      lastProfileId: null,
      resume: { profileId: '../x', bootId: boot },
    }),
  );
  const tampered = await StartupStore.open(d);
  assert.equal(tampered.problem, 'invalid values');
  assert.equal(tampered.store.resumeProfile(boot), null);
});
