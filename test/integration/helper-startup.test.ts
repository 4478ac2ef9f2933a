// Always-on at the helper level: the helper as the service runs it (in the client namespace,
// against a stock wireguard-go server). With "Connect at startup" on, a helper starting at
// boot brings the last profile back up with no GUI attached, and a client attaching later
// finds it connected; with the setting off, a boot leaves the tunnel down. Within one boot,
// a helper stopped while connected (a service restart, an upgrade) is resumed by the next
// one whatever the setting. A reboot is played by changing the boot id in the resume mark.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client as IpcClient } from '../../ipc/client.js';
import { connectHelper } from '../../app/main/helper-transport.js';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  HELPER_MAIN,
  makeTempDir,
  ping,
  renderClientConfig,
  requireRoot,
  waitFor,
  waitForPing,
  type ManagedProcess,
  type Topology,
} from '../harness/index.js';

describe('Connect at startup (helper without a GUI)', () => {
  let topo: Topology;
  const dir = makeTempDir('ss-startup-');
  const socket = path.join(dir.path, 'run', '0', 'helper.sock');
  const stateDir = path.join(dir.path, 'state');

  const startHelper = async (): Promise<ManagedProcess> => {
    const proc = topo.clientNs.spawn(process.execPath, [
      HELPER_MAIN,
      ...['--socket', socket, '--uid', '0', '--gid', '0'],
      ...['--state-dir', stateDir, '--log-dir', path.join(dir.path, 'logs')],
      ...['--ifname', 'slip-boot'],
    ]);
    await waitFor(() => existsSync(socket), { what: 'the helper socket' });
    return proc;
  };
  const stopHelper = async (proc: ManagedProcess) => {
    proc.child.kill('SIGTERM');
    await proc.exited;
    await waitFor(() => !existsSync(socket), { what: 'the socket to go' });
  };
  const attach = async (): Promise<{ ipc: IpcClient; close: () => void }> => {
    const transport = await connectHelper(socket, 0);
    return { ipc: createClient(transport), close: () => transport.close() };
  };

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'boot' });
  });
  after(async () => {
    await cleanupAll();
  });

  test('on: a restarted helper brings the last profile up by itself; off: it does not', async () => {
    // First run, as a user would set it up through the GUI.
    let helper = await startHelper();
    const gui = await attach();
    assert.deepEqual(await gui.ipc.getHelperSettings({}), { connectAtStartup: false });
    const imported = await gui.ipc.importProfile({
      fileName: 'office.conf',
      text: renderClientConfig(topo.clientConfig()),
    });
    assert.ok(imported.ok);
    const profileId = imported.profile.id;
    assert.deepEqual(await gui.ipc.setHelperSettings({ connectAtStartup: true }), {
      connectAtStartup: true,
    });
    await gui.ipc.connect({ profileId });
    await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
    gui.close();
    await stopHelper(helper);
    assert.ok(!(await topo.clientNs.links()).includes('slip-boot'), 'down with the helper');
    const stored = path.join(stateDir, 'startup.json');
    assert.equal(statSync(stored).mode & 0o777, 0o600, 'stored for root only');
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    assert.deepEqual(JSON.parse(await readFile(stored, 'utf8')), {
      connectAtStartup: true,
      lastProfileId: profileId,
      resume: { profileId, bootId },
    });
    const reboot = async () => {
      const text = JSON.parse(await readFile(stored, 'utf8')) as { resume?: { bootId: string } };
      if (text.resume) text.resume.bootId = '00000000-0000-0000-0000-000000000000';
      await writeFile(stored, JSON.stringify(text), { mode: 0o600 });
    };
    await reboot();

    // Boot: the helper starts and nobody attaches.
    const bootAt = Date.now();
    helper = await startHelper();
    await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
    console.log(
      `# tunnel carrying traffic ${(Date.now() - bootAt) / 1000} s after the helper started`,
    );
    // The GUI, attaching later, shows what the helper did.
    const later = await attach();
    const state = await later.ipc.getState({});
    assert.equal(state.status, 'connected');
    assert.equal(state.status === 'connected' && state.profileId, profileId);
    // Turned off, then a service restart while connected: resumed all the same.
    assert.deepEqual(await later.ipc.setHelperSettings({ connectAtStartup: false }), {
      connectAtStartup: false,
    });
    later.close();
    await stopHelper(helper);
    helper = await startHelper();
    await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
    const resumed = await attach();
    assert.equal((await resumed.ipc.getState({})).status, 'connected', 'resumed after a restart');
    resumed.close();
    await stopHelper(helper);
    // A reboot with the setting off: the tunnel stays down.
    await reboot();
    helper = await startHelper();
    const third = await attach();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await third.ipc.getState({})).status, 'disconnected');
    assert.ok(!(await topo.clientNs.links()).includes('slip-boot'), 'no tunnel');
    const p = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 1, timeoutSec: 1 });
    assert.equal(p.received, 0);
    third.close();
    await stopHelper(helper);
    const log = await readFile(path.join(dir.path, 'logs', 'helper.jsonl'), 'utf8');
    assert.equal(log.split('\n').filter((l) => l.includes('"connecting at startup"')).length, 1);
    assert.equal(
      log.split('\n').filter((l) => l.includes('"resuming after a helper restart"')).length,
      1,
    );
    assert.equal(JSON.parse(await readFile(stored, 'utf8')).resume, undefined, 'no mark left');
  });
});
