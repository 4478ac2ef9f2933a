// test-platform: linux-only: the Linux platform layer (netlink, policy rules, /run journal)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCidr, parseIpPrefix } from '../../../app/config/ip.js';
import { configureTunnel } from '../../../app/platform/linux/index.js';
import { currentNetnsId } from '../../../app/platform/linux/proc.js';
import { readState, StateStore } from '../../../app/platform/linux/state.js';
import type { TunnelConfigView } from '../../../app/platform/types.js';
import { RecordingAddon } from './recording-addon.js';

function prefix(text: string) {
  const p = parseIpPrefix(text);
  return { address: p.bytes, prefixLength: p.prefixLength, family: p.family };
}

const config: TunnelConfigView = {
  interface: {
    addresses: [prefix('10.66.0.2/32')],
    dns: ['10.66.0.1'],
    dnsSearch: [],
  },
  peers: [{ allowedIps: [parseCidr('0.0.0.0/0')] }],
};

interface Env {
  dir: string;
  stateDir: string;
  sysctlRoot: string;
  resolvConf: string;
  options: Parameters<typeof configureTunnel>[3];
  logged: { level: string; message: string }[];
}

async function withEnv(body: (env: Env) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-facade-'));
  const sysctlRoot = path.join(dir, 'sys');
  await fs.mkdir(path.join(sysctlRoot, 'net/ipv4/conf/all'), { recursive: true });
  await fs.writeFile(path.join(sysctlRoot, 'net/ipv4/conf/all/src_valid_mark'), '0\n');
  const resolvConf = path.join(dir, 'resolv.conf');
  await fs.writeFile(resolvConf, 'nameserver 192.0.2.53\n');
  const stateDir = path.join(dir, 'run');
  const logged: Env['logged'] = [];
  const record = (level: string) => (message: string) => {
    logged.push({ level, message });
  };
  try {
    await body({
      dir,
      stateDir,
      sysctlRoot,
      resolvConf,
      logged,
      options: {
        mtu: 1420,
        stateDir,
        sysctlRoot,
        tableInUse: (t) => t === 51820,
        dns: {
          resolvConfPath: resolvConf,
          detectResolved: async () => false,
          findResolvconf: async () => null,
        },
        log: { debug: record('debug'), info: record('info'), warn: record('warn') },
      },
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('configureTunnel: state file while up, socket mark from the chosen table, clean teardown', async () => {
  await withEnv(async (env) => {
    const addon = new RecordingAddon();
    const tunnel = await configureTunnel(addon, { name: 'wg5', ifindex: 12 }, config, env.options);
    // 51820 was reported in use, so the next table is chosen.
    assert.equal(tunnel.table, 51821);
    assert.equal(tunnel.socketMark, 51821);
    assert.equal(tunnel.ifname, 'wg5');
    assert.equal(path.basename(tunnel.stateFile), `wg5.${await currentNetnsId()}.json`);

    const state = await readState(tunnel.stateFile);
    assert.equal(state.pid, process.pid);
    assert.equal(state.ifindex, 12);
    assert.deepEqual(
      state.journal.map((e) => e.kind),
      ['dns', 'rule', 'rule', 'route', 'sysctl'],
    );
    assert.ok(env.logged.some((l) => l.level === 'info' && l.message === 'system configured'));

    const report = await tunnel.teardown();
    assert.equal(tunnel.teardown(), tunnel.teardown());
    assert.deepEqual(await tunnel.teardown(), report);
    assert.deepEqual(report.errors, []);
    assert.equal(report.undone.length, 5);
    await assert.rejects(fs.stat(tunnel.stateFile), { code: 'ENOENT' });
    assert.equal(await fs.readFile(env.resolvConf, 'utf8'), 'nameserver 192.0.2.53\n');
  });
});

test('configureTunnel: failure rolls back and leaves no state file', async () => {
  await withEnv(async (env) => {
    const addon = new RecordingAddon();
    addon.failures.push({ match: /^routeAdd/, text: 'File exists', code: 'EEXIST' });
    await assert.rejects(
      configureTunnel(addon, { name: 'wg5', ifindex: 12 }, config, env.options),
      { message: 'adding route 0.0.0.0/0 table 51821: File exists' },
    );
    assert.deepEqual(await new StateStore(env.stateDir).list(await currentNetnsId()), []);
    assert.equal(await fs.readFile(env.resolvConf, 'utf8'), 'nameserver 192.0.2.53\n');
  });
});

test('configureTunnel: bad config is refused before anything changes', async () => {
  await withEnv(async (env) => {
    const addon = new RecordingAddon();
    await assert.rejects(
      configureTunnel(
        addon,
        { name: 'wg5', ifindex: 12 },
        { ...config, interface: { ...config.interface, dns: ['not-an-ip'] } },
        env.options,
      ),
      { message: 'invalid network plan input: DNS server "not-an-ip" is not an IP address' },
    );
    assert.deepEqual(addon.calls, []);
    await assert.rejects(fs.stat(env.stateDir), { code: 'ENOENT' });
  });
});

test('configureTunnel: undo records an earlier run could not finish are kept and retried', async () => {
  await withEnv(async (env) => {
    const netns = await currentNetnsId();
    const store = new StateStore(env.stateDir);
    await store.write({
      version: 1,
      pid: 0x7ffffff0, // no such process
      pidStartTime: '1',
      ifname: 'wg5',
      ifindex: 3,
      netns,
      createdAt: '2026-01-01T00:00:00.000Z',
      journal: [{ kind: 'rule', family: 6, table: 777, fwmark: 777, invert: true }],
    });
    const addon = new RecordingAddon();
    // The earlier rule cannot be removed at start-up...
    addon.failures.push({ match: /^ruleDelete -6 not fwmark 777/, text: 'Busy', code: 'EBUSY' });
    const tunnel = await configureTunnel(addon, { name: 'wg5', ifindex: 12 }, config, env.options);
    assert.ok(env.logged.some((l) => l.level === 'warn' && /earlier run left/.test(l.message)));
    const state = await readState(tunnel.stateFile);
    assert.deepEqual(state.journal[0], {
      kind: 'rule',
      family: 6,
      table: 777,
      fwmark: 777,
      invert: true,
    });
    assert.equal(state.pid, process.pid);

    // ...but is retried, last, at this tunnel's teardown.
    addon.failures = [];
    const report = await tunnel.teardown();
    assert.deepEqual(report.errors, []);
    assert.equal(report.undone.at(-1), 'deleting rule -6 not fwmark 777 table 777');
    await assert.rejects(fs.stat(tunnel.stateFile), { code: 'ENOENT' });
  });
});
