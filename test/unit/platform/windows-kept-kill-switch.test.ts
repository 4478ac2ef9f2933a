// Windows: a helper stopping while the user still wants the tunnel keeps its WFP kill
// switch blocking (fail closed), handed over as a finished run's journal (pid 0) that
// Disconnect, `slipstream down` or the next start lifts — or replaces without a gap.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { killSwitchActive, recoverStale } from '../../../app/platform/windows/index.js';
import { parseWinState, pidAlive, winStateFile } from '../../../app/platform/windows/state.js';
import { RecordingAddon } from './recording-addon.js';
import { configureFull, tun, withDir } from './windows-fixtures.js';
import { RecordingWinNet } from './windows-recording-net.js';

/** A full tunnel with the kill switch, stopped with keepKillSwitch. */
async function keptBlock(dir: string, api: RecordingWinNet): Promise<void> {
  const t = await configureFull(dir, api, {
    listenPort: 51820,
    killSwitch: { allowLan: false },
  });
  api.calls = [];
  const summary = await t.teardown({ keepKillSwitch: true });
  assert.deepEqual(summary.errors, []);
}

test('teardown keeping the kill switch undoes everything else and hands the block over as pid 0', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await keptBlock(dir, api);
    assert.ok(!api.calls.includes('removeKillSwitch'), api.calls.join('\n'));
    assert.equal(api.routes.size + api.addresses.size + api.nrpt.size + api.dns.size, 0);
    assert.notEqual(api.killSwitch, null, 'still blocking');
    const state = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    assert.equal(state.pid, 0);
    assert.deepEqual(state.journal, [{ kind: 'killswitch' }]);
    assert.equal(pidAlive(0), false, 'pid 0 is nobody');
    assert.equal(await killSwitchActive(dir), true, 'the GUI shows Blocked');

    // A helper starting with keepKillSwitch (a crash is not a disconnect) leaves it.
    api.calls = [];
    const kept = await recoverStale(new RecordingAddon(), undefined, {
      stateDir: dir,
      api,
      keepKillSwitch: true,
    });
    assert.deepEqual(kept[0]?.kept, ['kill switch kept blocking']);
    assert.deepEqual(api.calls, []);
    assert.equal(await killSwitchActive(dir), true);

    // Disconnect / `slipstream down`: lifted, record gone.
    const lifted = await recoverStale(new RecordingAddon(), undefined, {
      stateDir: dir,
      api,
      keepKillSwitch: false,
    });
    assert.deepEqual(lifted[0]?.undone, ['kill switch (WFP)']);
    assert.ok(api.clean());
    await assert.rejects(fs.access(winStateFile(dir, tun.name)), { code: 'ENOENT' });
    assert.equal(await killSwitchActive(dir), false);
  });
});

test('the next start with a kill switch replaces the kept block without lifting it first', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await keptBlock(dir, api);
    api.calls = [];
    const t = await configureFull(dir, api, {
      listenPort: 51820,
      killSwitch: { allowLan: true },
    });
    assert.ok(!api.calls.includes('removeKillSwitch'), 'no moment unblocked');
    assert.ok(api.calls.at(-1)?.startsWith('installKillSwitch'));
    const state = parseWinState(await fs.readFile(winStateFile(dir, tun.name), 'utf8'));
    assert.equal(state.pid, process.pid, 'the journal is this run’s now');
    await t.teardown();
    assert.ok(api.clean());
  });
});

test('the next start without a kill switch lifts the kept block first', async () => {
  await withDir(async (dir) => {
    const api = new RecordingWinNet();
    await keptBlock(dir, api);
    api.calls = [];
    const t = await configureFull(dir, api);
    assert.equal(api.calls[0], 'removeKillSwitch');
    assert.equal(api.killSwitch, null);
    await t.teardown();
    assert.ok(api.clean());
  });
});
