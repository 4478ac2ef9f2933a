// test-platform: linux-only: the /run journal with POSIX modes and signals
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JournalEntry } from '../../../app/platform/linux/apply.js';
import { resolvConfHeader } from '../../../app/platform/linux/dns.js';
import { currentNetnsId, processIdentity } from '../../../app/platform/linux/proc.js';
import {
  defaultStateDir,
  isOwnerRunning,
  parseState,
  readState,
  recoverStale,
  StateStore,
  type TunnelState,
} from '../../../app/platform/linux/state.js';
import { RecordingAddon } from './recording-addon.js';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-state-'));
}

/** A pid that certainly ran and exited (reaped already). */
function deadPid(): number {
  const result = spawnSync('true');
  assert.equal(typeof result.pid, 'number');
  return result.pid;
}

async function state(overrides: Partial<TunnelState> = {}): Promise<TunnelState> {
  return {
    version: 1,
    pid: deadPid(),
    pidStartTime: '12345',
    ifname: 'wg9',
    ifindex: 31,
    netns: await currentNetnsId(),
    createdAt: '2026-01-01T00:00:00.000Z',
    journal: [],
    ...overrides,
  };
}

test('state dir: SLIPSTREAM_STATE_DIR overrides /run/slipstream', () => {
  const saved = process.env.SLIPSTREAM_STATE_DIR;
  try {
    delete process.env.SLIPSTREAM_STATE_DIR;
    assert.equal(defaultStateDir(), '/run/slipstream');
    process.env.SLIPSTREAM_STATE_DIR = '/tmp/elsewhere';
    assert.equal(defaultStateDir(), '/tmp/elsewhere');
    assert.equal(new StateStore().dir, '/tmp/elsewhere');
  } finally {
    if (saved === undefined) delete process.env.SLIPSTREAM_STATE_DIR;
    else process.env.SLIPSTREAM_STATE_DIR = saved;
  }
});

test('write/read: atomic, root-only, one file per interface and namespace', async () => {
  const dir = await tempDir();
  try {
    const store = new StateStore(path.join(dir, 'run'));
    const s = await state({
      journal: [
        { kind: 'rule', family: 4, table: 51820, fwmark: 51820, invert: true },
        { kind: 'dns', record: { method: 'file', ifname: 'wg9', path: '/x', previous: null } },
      ],
    });
    await store.write(s);
    await store.write({ ...s, journal: s.journal.slice(0, 1) });
    const file = store.fileFor('wg9', s.netns);
    assert.equal(path.basename(file), `wg9.${s.netns}.json`);
    assert.deepEqual(await readState(file), { ...s, journal: s.journal.slice(0, 1) });
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal(
      (await fs.stat(store.dir)).mode & 0o777,
      0o755,
      "shared with the helper's socket directories",
    );
    // No temp files left behind.
    assert.deepEqual(await fs.readdir(store.dir), [path.basename(file)]);

    await store.write({ ...s, ifname: 'wg.1' });
    await store.write({ ...s, netns: s.netns + 1 });
    assert.deepEqual(
      (await store.list(s.netns)).map((f) => path.basename(f)),
      [`wg.1.${s.netns}.json`, `wg9.${s.netns}.json`],
    );
    assert.deepEqual(
      (await store.list(s.netns, 'wg.1')).map((f) => path.basename(f)),
      [`wg.1.${s.netns}.json`],
    );
    await store.remove('wg9', s.netns);
    await store.remove('wg9', s.netns); // already gone: fine
    assert.deepEqual(
      (await store.list(s.netns)).map((f) => path.basename(f)),
      [`wg.1.${s.netns}.json`],
    );
    assert.deepEqual(await new StateStore(path.join(dir, 'none')).list(s.netns), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('parseState: damaged files give short errors', async () => {
  const good = await state();
  const cases: [string, RegExp][] = [
    ['{', /^not valid JSON$/],
    ['[]', /^not a state object$/],
    [JSON.stringify({ ...good, version: 2 }), /^unsupported version 2$/],
    [JSON.stringify({ ...good, pid: 'x' }), /^missing or malformed fields$/],
    [
      JSON.stringify({ ...good, journal: [{ kind: 'route', dst: 1 }] }),
      /^malformed journal entry 0$/,
    ],
    [
      JSON.stringify({
        ...good,
        journal: [{ kind: 'dns', record: { method: 'magic', ifname: 'wg9' } }],
      }),
      /^malformed journal entry 0$/,
    ],
  ];
  for (const [text, message] of cases) assert.throws(() => parseState(text), { message }, text);
  assert.deepEqual(parseState(JSON.stringify(good)), good);
});

test('owner liveness: dead pid, reused pid, live owner, this process', async () => {
  assert.equal(await isOwnerRunning(await state()), false);
  const self = await processIdentity(process.pid);
  assert.ok(self);
  assert.equal(
    await isOwnerRunning(await state({ pid: process.pid, pidStartTime: self.startTime })),
    true,
  );
  assert.equal(await isOwnerRunning(await state({ pid: process.pid, pidStartTime: null })), true);
  // Our pid, but written by an earlier process (a restarted container reuses pids).
  assert.equal(await isOwnerRunning(await state({ pid: process.pid, pidStartTime: '1' })), false);

  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const pid = child.pid!;
    const identity = await processIdentity(pid);
    assert.ok(identity);
    assert.equal(
      await isOwnerRunning(await state({ pid, pidStartTime: identity.startTime })),
      true,
    );
    // Same pid, different start time: the pid was reused by another program.
    assert.equal(await isOwnerRunning(await state({ pid, pidStartTime: '1' })), false);
    // No start time recorded: only a process named slipstream counts.
    assert.equal(await isOwnerRunning(await state({ pid, pidStartTime: null })), false);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** A fake /proc/sys and resolv.conf as a crashed full-tunnel run left them. */
async function crashedRun(dir: string) {
  const sysctlRoot = path.join(dir, 'sys');
  const validMark = path.join(sysctlRoot, 'net/ipv4/conf/all/src_valid_mark');
  await fs.mkdir(path.dirname(validMark), { recursive: true });
  await fs.writeFile(validMark, '1\n');
  const resolvConf = path.join(dir, 'resolv.conf');
  const original = 'nameserver 192.0.2.53\n';
  await fs.writeFile(resolvConf, `${resolvConfHeader('wg9')}\nnameserver 10.0.0.1\n`);
  const journal: JournalEntry[] = [
    {
      kind: 'dns',
      record: {
        method: 'file',
        ifname: 'wg9',
        path: resolvConf,
        previous: Buffer.from(original).toString('base64'),
      },
    },
    { kind: 'rule', family: 4, table: 51820, fwmark: 51820, invert: true },
    { kind: 'rule', family: 4, table: 254, suppressPrefixLength: 0 },
    { kind: 'route', ifindex: 31, family: 4, dst: '0.0.0.0', prefixLength: 0, table: 51820 },
    { kind: 'sysctl', key: 'net.ipv4.conf.all.src_valid_mark', value: '1', previous: '0' },
  ];
  return { sysctlRoot, validMark, resolvConf, original, journal };
}

test('recoverStale: undoes a dead run, deletes its link and state file, reports it', async () => {
  const dir = await tempDir();
  try {
    const run = await crashedRun(dir);
    const store = new StateStore(path.join(dir, 'run'));
    const stale = await state({ journal: run.journal });
    await store.write(stale);
    const addon = new RecordingAddon();
    addon.links.set('wg9', 31);

    const cleaned = await recoverStale(addon, undefined, {
      stateDir: store.dir,
      sysctlRoot: run.sysctlRoot,
    });
    assert.deepEqual(cleaned, [
      {
        ifname: 'wg9',
        pid: stale.pid,
        stateFile: store.fileFor('wg9', stale.netns),
        undone: [
          'restoring net.ipv4.conf.all.src_valid_mark=0',
          'deleting route 0.0.0.0/0 table 51820',
          'deleting rule table main suppress_prefixlength 0',
          'deleting rule not fwmark 51820 table 51820',
          'restoring DNS (file)',
        ],
        linkDeleted: true,
        notes: [],
        errors: [],
        kept: [],
      },
    ]);
    assert.deepEqual(
      addon.calls.map((c) => `${c.op} ${c.text}`),
      [
        'routeDelete 0.0.0.0/0 dev 31 table 51820',
        'ruleDelete -4 table 254 suppress 0',
        'ruleDelete -4 not fwmark 51820 table 51820',
        'linkDelete wg9',
      ],
    );
    assert.equal(await fs.readFile(run.resolvConf, 'utf8'), run.original);
    assert.equal(await fs.readFile(run.validMark, 'utf8'), '0\n');
    assert.deepEqual(await store.list(stale.netns), []);
    // Nothing left: a second start finds nothing.
    assert.deepEqual(await recoverStale(addon, undefined, { stateDir: store.dir }), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('recoverStale: leaves live owners, other namespaces, other names, and foreign links', async () => {
  const dir = await tempDir();
  try {
    const run = await crashedRun(dir);
    const store = new StateStore(path.join(dir, 'run'));
    const netns = await currentNetnsId();
    const self = await processIdentity(process.pid);
    const live = await state({
      ifname: 'live0',
      pid: process.pid,
      pidStartTime: self?.startTime ?? null,
      journal: run.journal,
    });
    const elsewhere = await state({ ifname: 'wg9', netns: netns + 1, journal: run.journal });
    const other = await state({ ifname: 'wg7', ifindex: 40, journal: [] });
    await store.write(live);
    await store.write(elsewhere);
    await store.write(other);
    const addon = new RecordingAddon();
    // A wg7 exists, but with another ifindex: created later by someone else.
    addon.links.set('wg7', 41);

    assert.deepEqual(await recoverStale(addon, 'wg9', { stateDir: store.dir }), []);
    const cleaned = await recoverStale(addon, undefined, { stateDir: store.dir });
    assert.deepEqual(
      cleaned.map((c) => [c.ifname, c.linkDeleted, c.errors]),
      [['wg7', false, []]],
    );
    assert.deepEqual(addon.calls, []);
    assert.equal(addon.links.get('wg7'), 41);
    assert.deepEqual(
      (await fs.readdir(store.dir)).sort(),
      [`live0.${netns}.json`, `wg9.${netns + 1}.json`].sort(),
    );
    // The live run's DNS and sysctl were not touched.
    assert.match(await fs.readFile(run.resolvConf, 'utf8'), /^# Generated by Slipstream for wg9;/);
    assert.equal(await fs.readFile(run.validMark, 'utf8'), '1\n');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('recoverStale: a failed undo keeps what is left for the next start', async () => {
  const dir = await tempDir();
  try {
    const run = await crashedRun(dir);
    const store = new StateStore(path.join(dir, 'run'));
    const stale = await state({ journal: run.journal });
    await store.write(stale);
    const addon = new RecordingAddon();
    addon.failures.push({
      match: /^ruleDelete -4 table 254/,
      text: 'Operation not permitted',
      code: 'EPERM',
    });
    const [result] = await recoverStale(addon, 'wg9', {
      stateDir: store.dir,
      sysctlRoot: run.sysctlRoot,
    });
    assert.deepEqual(result?.errors, [
      'deleting rule table main suppress_prefixlength 0: Operation not permitted',
    ]);
    const kept = await readState(store.fileFor('wg9', stale.netns));
    assert.deepEqual(kept.journal, [
      { kind: 'rule', family: 4, table: 254, suppressPrefixLength: 0 },
    ]);

    addon.failures = [];
    const [retry] = await recoverStale(addon, 'wg9', { stateDir: store.dir });
    assert.deepEqual(retry?.errors, []);
    assert.deepEqual(await store.list(stale.netns), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('recoverStale: a damaged state file is set aside and reported once', async () => {
  const dir = await tempDir();
  try {
    const store = new StateStore(path.join(dir, 'run'));
    const netns = await currentNetnsId();
    await fs.mkdir(store.dir, { recursive: true });
    const file = store.fileFor('wg3', netns);
    await fs.writeFile(file, '{"version": 1, "pid": ');
    const addon = new RecordingAddon();
    const [result] = await recoverStale(addon, undefined, { stateDir: store.dir });
    assert.deepEqual(result?.errors, ['unusable state file (not valid JSON); renamed to .corrupt']);
    assert.deepEqual(await fs.readdir(store.dir), [`wg3.${netns}.json.corrupt`]);
    assert.deepEqual(await recoverStale(addon, undefined, { stateDir: store.dir }), []);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
