// The helper's profile store: import keeps the text as given and answers with a summary that
// has no key material; a bad config is refused with its line and nothing is stored; files
// are private to the helper; rename, remove, damaged files.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ProfileSummary } from '../../../ipc/schema.js';
import { ProfileNotFound, ProfileStore } from '../../../app/helper/profile-store.js';
import { makeTempDir } from '../../harness/tempfiles.js';

const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PSK = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=';
const GOOD = `[Interface]
PrivateKey = ${PRIVATE}
Address = 10.0.0.2/32, fd00::2/128
DNS = 10.0.0.1

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
PresharedKey = ${PSK}
Endpoint = [2001:db8::1]:51820
AllowedIPs = 0.0.0.0/0, ::/0
`;

test('import stores the text privately and answers with a keyless summary', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const dir = path.join(tmp.path, 'profiles');
    const store = await ProfileStore.open(dir);
    const result = await store.import('Office VPN.conf', GOOD);
    assert.ok(result.ok);
    const p = result.profile;
    assert.ok(ProfileSummary.safeParse(p).success);
    assert.equal(p.name, 'Office VPN');
    assert.deepEqual(p.addresses, ['10.0.0.2/32', 'fd00::2/128']);
    assert.deepEqual(p.endpoints, ['[2001:db8::1]:51820']);
    assert.equal(p.peers, 1);
    assert.equal(p.fullTunnel, true);
    assert.doesNotMatch(
      JSON.stringify(p),
      new RegExp(`${PRIVATE.slice(0, 12)}|${PSK.slice(0, 12)}`),
    );
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const f of await readdir(dir))
      assert.equal((await stat(path.join(dir, f))).mode & 0o777, 0o600, f);
    assert.equal(
      await readFile(path.join(dir, `${p.id}.conf`), 'utf8'),
      GOOD,
      'kept byte for byte',
    );
    const { config, name } = await store.get(p.id);
    assert.equal(name, 'Office VPN');
    assert.equal(config.peers.length, 1);
    assert.deepEqual(await store.list(), [p]);
  } finally {
    tmp.remove();
  }
});

test('a bad config is refused with its line, and nothing is stored', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const store = await ProfileStore.open(tmp.path);
    const bad = GOOD.replace('Address = 10.0.0.2/32, fd00::2/128', 'Address = 10.0.0.300/32');
    const result = await store.import('bad.conf', bad);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.line, 3);
    assert.match(result.problems[0]?.message ?? '', /10\.0\.0\.300|address/i);
    const noKey = await store.import('nokey.conf', '[Interface]\nAddress = 10.0.0.2/32\n');
    assert.ok(!noKey.ok);
    assert.match(noKey.problems[0]?.message ?? '', /PrivateKey/);
    const binary = await store.import('x.conf', '\u0000\u0001garbage');
    assert.ok(!binary.ok);
    assert.deepEqual(await readdir(tmp.path), []);
  } finally {
    tmp.remove();
  }
});

test('rename, remove, unknown ids and damaged files', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const store = await ProfileStore.open(tmp.path);
    const a = await store.import('a.conf', GOOD);
    const b = await store.import('C:\\Users\\me\\b.conf', GOOD);
    assert.ok(a.ok && b.ok);
    assert.equal(b.profile.name, 'b', 'Windows paths reduce to the file name');
    await store.rename(a.profile.id, 'Home');
    assert.deepEqual(
      (await store.list()).map((p) => p.name),
      ['b', 'Home'],
    );
    await store.remove(b.profile.id);
    await assert.rejects(store.remove(b.profile.id), ProfileNotFound);
    await assert.rejects(store.get('../../etc/passwd'), ProfileNotFound);
    await assert.rejects(store.rename('0123456789abcdef', 'x'), ProfileNotFound);
    await writeFile(path.join(tmp.path, `${a.profile.id}.json`), '{not json');
    assert.deepEqual(await store.list(), [], 'a damaged profile is skipped, not fatal');
  } finally {
    tmp.remove();
  }
});
