// test-platform: linux-only: profiles are checked for POSIX 0600 modes and owner uids
// The helper's profile store: import keeps the text as given and answers with a summary that
// has no key material; a bad config is refused with its line and nothing is stored; files
// are private to the helper; rename, remove, damaged files.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseWgQuick } from '../../../app/config/parse.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../app/tunnel/wireguard/keys.js';
import { ProfileSummary } from '../../../ipc/schema.js';
import {
  MAX_PROFILE_BYTES,
  MAX_PROFILES,
  ProfileNotFound,
  ProfileStore,
} from '../../../app/helper/profile-store.js';
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
    await store.close();
    await writeFile(path.join(tmp.path, `${a.profile.id}.json`), '{not json');
    // Summaries are read once per helper run: a restarted helper meets the damage.
    const reopened = await ProfileStore.open(tmp.path);
    assert.deepEqual(await reopened.list(), [], 'a damaged profile is skipped, not fatal');
    await assert.rejects(reopened.get(a.profile.id), ProfileNotFound);
    await reopened.close();
  } finally {
    tmp.remove();
  }
});

test(`at most ${MAX_PROFILES} profiles of at most ${MAX_PROFILE_BYTES / 1024} KB; refusals store nothing`, async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const store = await ProfileStore.open(tmp.path);
    // Padding with comments makes a valid file of any size; multi-byte characters count as bytes.
    const big = `${GOOD}#${'é'.repeat(MAX_PROFILE_BYTES / 2)}\n`;
    const tooBig = await store.import('big.conf', big);
    assert.ok(!tooBig.ok);
    assert.match(tooBig.problems[0]?.message ?? '', /larger than 256 KB/);
    assert.deepEqual(await readdir(tmp.path), []);
    const ids: string[] = [];
    for (let i = 0; i < MAX_PROFILES; i++) {
      const r = await store.import(`p${i}.conf`, GOOD);
      assert.ok(r.ok, `profile ${i}`);
      ids.push(r.profile.id);
    }
    const over = await store.import('one-more.conf', GOOD);
    assert.ok(!over.ok);
    assert.match(over.problems[0]?.message ?? '', /at most 64 profiles/);
    assert.equal((await readdir(tmp.path)).length, MAX_PROFILES * 2);
    await store.remove(ids[0]!);
    assert.ok((await store.import('now-it-fits.conf', GOOD)).ok);
    await store.close();
  } finally {
    tmp.remove();
  }
});

test('imports racing for the last slots never store more than the cap', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const store = await ProfileStore.open(tmp.path);
    for (let i = 0; i < MAX_PROFILES - 2; i++)
      assert.ok((await store.import(`p${i}.conf`, GOOD)).ok);
    // Ten imports at once, all parsed while two slots are free: exactly two may land.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.import(`race${i}.conf`, GOOD)),
    );
    assert.equal(results.filter((r) => r.ok).length, 2);
    assert.equal((await store.list()).length, MAX_PROFILES);
    assert.equal((await readdir(tmp.path)).length, MAX_PROFILES * 2);
    await store.close();
  } finally {
    tmp.remove();
  }
});

test('listing reads kept summaries: no parse, even of a large profile set', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const store = await ProfileStore.open(tmp.path);
    const r = await store.import('a.conf', GOOD);
    assert.ok(r.ok);
    await store.close();
    // The summary sits in the metadata; with the config text made unparsable behind the
    // store's back, a restarted store still lists the profile (it never parsed it).
    await writeFile(path.join(tmp.path, `${r.profile.id}.conf`), 'garbage');
    const reopened = await ProfileStore.open(tmp.path);
    assert.deepEqual(await reopened.list(), [r.profile]);
    await reopened.close();
  } finally {
    tmp.remove();
  }
});

test('a profile stored without a summary (older version) gets one on first list', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const id = '0123456789abcdef';
    await writeFile(path.join(tmp.path, `${id}.conf`), GOOD, { mode: 0o600 });
    await writeFile(
      path.join(tmp.path, `${id}.json`),
      JSON.stringify({ name: 'Old', fileName: 'old.conf', importedAt: '2026-01-01T00:00:00Z' }),
      { mode: 0o600 },
    );
    const store = await ProfileStore.open(tmp.path);
    const [listed] = await store.list();
    assert.equal(listed?.name, 'Old');
    assert.equal(listed?.fullTunnel, true);
    const meta = JSON.parse(await readFile(path.join(tmp.path, `${id}.json`), 'utf8')) as {
      summary?: unknown;
    };
    assert.ok(meta.summary, 'the summary was written back');
    await store.close();
  } finally {
    tmp.remove();
  }
});

test('importing a large profile does not stall this thread (it carries the tunnel)', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    // ~2000 peers: the largest profile the store takes, and a slow parse.
    const peers: string[] = [];
    for (let n = 0; peers.join('').length < MAX_PROFILE_BYTES - 200; n++) {
      const key = Buffer.from(publicKeyFromPrivate(generatePrivateKey())).toString('base64');
      peers.push(
        `\n[Peer]\nPublicKey = ${key}\nAllowedIPs = 10.${(n >> 8) & 255}.${n & 255}.0/24\n`,
      );
    }
    const text = `[Interface]\nPrivateKey = ${PRIVATE}\nAddress = 10.0.0.2/32\n${peers.join('')}`;
    // The longest event-loop stall of `work`, as the tunnel's timers would see it.
    const stall = async (work: () => unknown): Promise<number> => {
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      await new Promise((r) => setTimeout(r, 5));
      await work();
      await new Promise((r) => setTimeout(r, 5));
      delay.disable();
      return delay.max / 1e6;
    };
    const store = await ProfileStore.open(tmp.path);
    await store.list(); // the worker's first start is not what is measured
    // Alternating, in one run: parsing right here against importing through the store.
    const here: number[] = [];
    const store_: number[] = [];
    for (let round = 0; round < 3; round++) {
      here.push(await stall(() => parseWgQuick(text, 'big.conf')));
      store_.push(
        await stall(async () => {
          const r = await store.import(`big${round}.conf`, text);
          assert.ok(r.ok);
        }),
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    assert.ok(
      median(store_) < median(here) * 0.6,
      `import stalls ${store_.map((x) => x.toFixed(1))} ms; parsing here ${here.map((x) => x.toFixed(1))} ms`,
    );
    await store.close();
  } finally {
    tmp.remove();
  }
});

test('profile settings: defaults, changed one at a time, kept across a reopen, validated', async () => {
  const tmp = makeTempDir('ss-profiles-');
  try {
    const dir = path.join(tmp.path, 'profiles');
    const store = await ProfileStore.open(dir);
    const result = await store.import('home.conf', GOOD);
    assert.ok(result.ok);
    const id = result.profile.id;
    assert.deepEqual(result.profile.settings, { killSwitch: null, allowLan: false });
    assert.deepEqual((await store.get(id)).settings, { killSwitch: null, allowLan: false });

    const updated = await store.setSettings(id, { allowLan: true });
    assert.deepEqual(updated.settings, { killSwitch: null, allowLan: true });
    assert.ok(ProfileSummary.safeParse(updated).success);
    await store.setSettings(id, { killSwitch: false });
    assert.deepEqual((await store.list())[0]?.settings, { killSwitch: false, allowLan: true });
    await assert.rejects(store.setSettings(id, { allowLan: 'yes' as never }));
    await assert.rejects(store.setSettings('0123456789abcdef', {}), ProfileNotFound);
    await store.close();

    const again = await ProfileStore.open(dir);
    assert.deepEqual((await again.get(id)).settings, { killSwitch: false, allowLan: true });
    assert.deepEqual((await again.list())[0]?.settings, { killSwitch: false, allowLan: true });
    assert.equal((await stat(path.join(dir, `${id}.json`))).mode & 0o777, 0o600);
    await again.close();
  } finally {
    tmp.remove();
  }
});
