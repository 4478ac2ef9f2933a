// The Windows platform layer (app/platform/windows) against a recording fake
// of its native boundary: the exact Win32-level calls for a split and a full
// tunnel, the journal written after each change, rollback on failure,
// teardown, and cleanup after a crashed run. Platform-neutral: runs on Linux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCidr } from '../../../app/config/ip.js';
import {
  configureTunnel,
  killSwitchActive,
  recoverStale,
} from '../../../app/platform/windows/index.js';
import { parseWinState, winStateFile } from '../../../app/platform/windows/state.js';
import { planWindows } from '../../../app/platform/windows/plan.js';
import type { TunnelConfigView } from '../../../app/platform/types.js';
import { RecordingAddon } from './recording-addon.js';
import { endpoints, prefix, tun, withDir } from './windows-fixtures.js';
import { RecordingWinNet } from './windows-recording-net.js';

const full: TunnelConfigView = {
  interface: {
    addresses: [prefix('10.66.0.2/32'), prefix('fd00:66::2/128')],
    dns: ['10.66.0.1'],
    dnsSearch: ['corp.example'],
  },
  peers: [{ allowedIps: [parseCidr('0.0.0.0/0'), parseCidr('::/0')] }],
};
const split: TunnelConfigView = {
  interface: { addresses: [prefix('10.7.0.2/24')], dns: [], dnsSearch: [] },
  peers: [{ allowedIps: [parseCidr('10.7.0.0/24'), parseCidr('192.168.50.9/24')] }],
};

test('full tunnel: MTU, addresses, endpoint exclusion before two /1 routes per family, DNS, NRPT, WFP', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    const t = await configureTunnel(new RecordingAddon(), tun, full, {
      mtu: 1420,
      stateDir: dir,
      api,
      endpoints,
      listenPort: 51820,
      killSwitch: { allowLan: false },
    });
    assert.equal(t.socketMark, 0);
    assert.deepEqual(api.calls, [
      'setMtu 42 v4 1420',
      'setMtu 42 v6 1420',
      'addAddress 42 10.66.0.2/32',
      'addAddress 42 fd00:66::2/128',
      'bestRoute v4 203.0.113.5 not-if42',
      'addRoute 203.0.113.5/32 if7 via 192.168.1.1 m0',
      'addRoute 0.0.0.0/1 if42 m0',
      'addRoute 128.0.0.0/1 if42 m0',
      'addRoute ::/1 if42 m0',
      'addRoute 8000::/1 if42 m0',
      'setDnsSettings 42 [10.66.0.1] [corp.example]',
      'addNrptRule Slipstream . [10.66.0.1]',
      'installKillSwitch tun-if42 udp51820 lan=false endpoints=203.0.113.5:51820',
    ]);
    // The journal on disk holds every change to undo, in order.
    const state = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    assert.equal(state.pid, process.pid);
    assert.deepEqual(
      state.journal.map((e) => e.kind),
      [
        'address',
        'address',
        'route',
        'route',
        'route',
        'route',
        'route',
        'dns-api',
        'nrpt',
        'killswitch',
      ],
    );

    api.calls = [];
    const summary = await t.teardown();
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(api.calls, [
      'removeKillSwitch',
      'deleteNrptRule Slipstream',
      'setDnsSettings 42 [] []',
      'deleteRoute 8000::/1 if42 m0',
      'deleteRoute ::/1 if42 m0',
      'deleteRoute 128.0.0.0/1 if42 m0',
      'deleteRoute 0.0.0.0/1 if42 m0',
      'deleteRoute 203.0.113.5/32 if7 via 192.168.1.1 m0',
      'deleteAddress 42 fd00:66::2/128',
      'deleteAddress 42 10.66.0.2/32',
    ]);
    assert.ok(api.clean());
    await assert.rejects(fs.access(winStateFile(dir, tun.name)), { code: 'ENOENT' });
    // A second teardown returns the first result and calls nothing.
    api.calls = [];
    assert.equal(await t.teardown(), summary);
    assert.deepEqual(api.calls, []);
  });
});

test('split tunnel: routes for the allowed prefixes (host bits cleared), no exclusion, no DNS, no WFP', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await configureTunnel(new RecordingAddon(), tun, split, {
      mtu: 1380,
      stateDir: dir,
      api,
      endpoints,
    });
    assert.deepEqual(api.calls, [
      'setMtu 42 v4 1380',
      'addAddress 42 10.7.0.2/24',
      'addRoute 10.7.0.0/24 if42 m0',
      'addRoute 192.168.50.0/24 if42 m0',
    ]);
  });
});

test('DNS falls back to the registry when SetInterfaceDnsSettings is missing, and is restored', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    api.dnsApi = false;
    api.registry.set('42 v4', { nameServer: '9.9.9.9', searchList: 'home' });
    const view: TunnelConfigView = {
      ...split,
      interface: { ...split.interface, dns: ['10.7.0.1', 'fd00:7::1'], dnsSearch: ['x'] },
    };
    const t = await configureTunnel(new RecordingAddon(), tun, view, {
      mtu: 1420,
      stateDir: dir,
      api,
    });
    assert.deepEqual(api.calls.slice(-4), [
      'setDnsSettings 42 [10.7.0.1,fd00:7::1] [x]',
      'setDnsRegistry 42 v4 [10.7.0.1] [x]',
      'setDnsRegistry 42 v6 [fd00:7::1] [x]',
      'addNrptRule Slipstream . [10.7.0.1,fd00:7::1]',
    ]);
    await t.teardown();
    assert.deepEqual(api.registry.get('42 v4'), { nameServer: '9.9.9.9', searchList: 'home' });
    assert.deepEqual(api.registry.get('42 v6'), { nameServer: '', searchList: '' });
  });
});

test('a failing step rolls back everything already done and leaves no state file', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    api.failures = ['addNrptRule'];
    await assert.rejects(
      configureTunnel(new RecordingAddon(), tun, full, {
        mtu: 1420,
        stateDir: dir,
        api,
        endpoints,
      }),
      /nrpt: addNrptRule: ERROR_ACCESS_DENIED/,
    );
    assert.ok(api.clean(), 'nothing half-configured');
    assert.ok(
      api.calls.includes('deleteNrptRule Slipstream'),
      'the recorded-first NRPT rule is deleted too',
    );
    await assert.rejects(fs.access(winStateFile(dir, tun.name)), { code: 'ENOENT' });
  });
});

test('no route to the endpoint outside the tunnel: refused before any /1 route exists', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    api.best = null;
    await assert.rejects(
      configureTunnel(new RecordingAddon(), tun, full, {
        mtu: 1420,
        stateDir: dir,
        api,
        endpoints,
      }),
      /no route to endpoint 203\.0\.113\.5 outside the tunnel/,
    );
    assert.ok(!api.calls.some((c) => c.startsWith('addRoute')));
    assert.ok(api.clean());
  });
});

test('after a crash: the next start undoes the dead run, including its kill switch', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await configureTunnel(new RecordingAddon(), tun, full, {
      mtu: 1420,
      stateDir: dir,
      api,
      endpoints,
      killSwitch: { allowLan: true },
    });
    // Pretend that run's process died: its journal says pid 999999999.
    const file = winStateFile(dir, tun.name);
    const state = parseWinState(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...state, pid: 999999999 }));
    api.calls = [];
    const found = await recoverStale(new RecordingAddon(), undefined, {
      stateDir: dir,
      api,
      isAlive: (pid) => pid === process.pid,
    });
    assert.equal(found.length, 1);
    assert.equal(found[0]!.pid, 999999999);
    assert.deepEqual(found[0]!.errors, []);
    assert.equal(found[0]!.undone.length, 10);
    assert.equal(api.calls[0], 'removeKillSwitch');
    assert.ok(api.clean());
    await assert.rejects(fs.access(file), { code: 'ENOENT' });
  });
});

test('an undo that fails stays in the journal for the next attempt', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    const t = await configureTunnel(new RecordingAddon(), tun, split, {
      mtu: 1420,
      stateDir: dir,
      api,
    });
    api.failures = ['deleteRoute'];
    const summary = await t.teardown();
    assert.equal(summary.errors.length, 1);
    assert.match(
      summary.errors[0]!,
      /route 192\.168\.50\.0\/24 if 42: deleteRoute: ERROR_ACCESS_DENIED/,
    );
    const left = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    assert.deepEqual(left.journal, [
      {
        kind: 'route',
        route: { ifindex: 42, family: 4, dst: '192.168.50.0', prefixLength: 24, metric: 0 },
      },
    ]);
    // A later start (this pid now "dead") finishes the job.
    const found = await recoverStale(new RecordingAddon(), tun.name, {
      stateDir: dir,
      api,
      isAlive: () => false,
    });
    assert.deepEqual(found[0]!.errors, []);
    assert.ok(api.clean());
  });
});

test('a damaged state file is set aside, not trusted', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await fs.writeFile(
      path.join(dir, 'Slipstream.json'),
      '{"version":1,"journal":[{"kind":"rm -rf"}]}',
    );
    const found = await recoverStale(new RecordingAddon(), undefined, { stateDir: dir, api });
    assert.match(found[0]!.errors[0]!, /unusable state file/);
    assert.deepEqual(api.calls, []);
    await fs.access(path.join(dir, 'Slipstream.json.corrupt'));
  });
});

test('plan refuses an impossible MTU with a short error', () => {
  assert.throws(
    () =>
      planWindows({
        tun,
        config: split,
        mtu: 70000,
        endpoints: [],
        listenPort: 0,
        killSwitch: null,
      }),
    /MTU 70000 is out of range/,
  );
});

test('killSwitchActive reads the journals: WFP filters of any run count, a damaged file does not', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ss-winks-'));
  try {
    assert.equal(await killSwitchActive(path.join(dir, 'absent')), false);
    const state = (journal: unknown[]) =>
      JSON.stringify({
        version: 1,
        pid: 4242,
        ifname: 'Slipstream',
        ifindex: 9,
        createdAt: new Date(0).toISOString(),
        journal,
      });
    await fs.writeFile(path.join(dir, 'Slipstream.json'), state([]));
    await fs.writeFile(path.join(dir, 'Broken.json'), '{not json');
    assert.equal(await killSwitchActive(dir), false);
    await fs.writeFile(path.join(dir, 'Other.json'), state([{ kind: 'killswitch' }]));
    assert.equal(await killSwitchActive(dir), true);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
