// Fail closed through a helper crash and an orderly service restart, as the user sees it:
// a full-tunnel profile is connected with the kill switch on, the helper is SIGKILLed (its
// kill switch stays in nftables) and the service starts again. The GUI, reattaching, must
// not say a plain "Not connected": it says traffic is blocked and why. Connected again, the
// helper is stopped with SIGTERM (what `systemctl restart` sends): the user did not
// disconnect, so the block stays through that too, and the next helper resumes the tunnel.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  HELPER_MAIN,
  launchChromium,
  makeTempDir,
  ping,
  renderClientConfig,
  requireRoot,
  startWebApp,
  waitFor,
  type ManagedProcess,
  type Topology,
} from '../harness/index.js';

const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test-artifacts',
  'screenshots',
);

describe('a kill switch that outlives a crashed helper, in the GUI', () => {
  let topo: Topology;
  let browser: Browser;
  const dir = makeTempDir('ss-e2e-blocked-');
  const socket = path.join(dir.path, 'run', '0', 'helper.sock');
  let journalDir = '';

  const startHelper = async (): Promise<ManagedProcess> => {
    const proc = topo.clientNs.spawn(
      process.execPath,
      [
        HELPER_MAIN,
        ...['--socket', socket, '--uid', '0', '--gid', '0'],
        ...['--state-dir', path.join(dir.path, 'state'), '--log-dir', path.join(dir.path, 'logs')],
        ...['--ifname', 'slip-ks'],
      ],
      { env: { SLIPSTREAM_STATE_DIR: journalDir } },
    );
    await waitFor(() => existsSync(socket), { what: 'the helper socket' });
    return proc;
  };
  const table = async () =>
    (await topo.clientNs.run('nft', ['list', 'table', 'inet', 'slipstream'])).code === 0;
  const statusText = (page: Page) => page.getByRole('status').first().innerText();
  const lanReachable = async () =>
    (await ping(topo.clientNs, topo.link.a.v4 ?? '', { count: 1, timeoutSec: 1 })).received === 1;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'blk' });
    journalDir = `/run/slipstream-test-${topo.clientNs.name}`;
    browser = await launchChromium(topo.clientNs);
  });
  after(async () => {
    await browser?.close();
    rmSync(journalDir, { recursive: true, force: true });
    await cleanupAll();
  });

  test('killed: "Blocked" until Disconnect lifts it; stopped while connected: blocked, then resumed', async () => {
    let helper = await startHelper();
    const gui = await startWebApp(topo.clientNs, { helperSocket: socket });
    const page = await browser.newPage();
    try {
      await page.goto(gui.url);
      await page.getByRole('tab', { name: 'Profiles', exact: true }).click();
      const conf = path.join(dir.path, 'everything.conf');
      const full = topo.clientConfig();
      writeFileSync(
        conf,
        renderClientConfig({
          ...full,
          peers: full.peers.map((p) => ({ ...p, allowedIps: ['0.0.0.0/0'] })),
        }),
      );
      await page.getByLabel('Import profile').setInputFiles(conf);
      await page.getByRole('listitem').filter({ hasText: 'everything' }).first().waitFor();
      await page.getByRole('tab', { name: 'Status', exact: true }).click();
      await page.getByLabel('Profile').selectOption({ label: 'everything' });
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await waitFor(async () => /Connected/.test(await statusText(page)), {
        timeoutMs: 20_000,
        what: 'Connected',
      });
      assert.ok(await table(), 'full tunnel: the kill switch is on');
      assert.equal(await lanReachable(), false, 'the LAN is blocked while connected');

      helper.child.kill('SIGKILL');
      await helper.exited;
      assert.ok(await table(), 'the block outlives the killed helper');
      helper = await startHelper();
      await waitFor(async () => /^Blocked$/.test((await statusText(page)).trim()), {
        timeoutMs: 20_000,
        what: 'the GUI to show the block after reattaching',
      });
      const notice = page.getByTestId('kill-switch-blocking');
      assert.match(await notice.innerText(), /kill switch of an earlier connection/);
      assert.match(await notice.innerText(), /Disconnect to lift the block/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'status-blocked.png'), fullPage: true });
      assert.equal(await lanReachable(), false, 'still blocking, as the GUI says');

      const disconnect = page.getByRole('button', { name: 'Disconnect', exact: true });
      assert.equal(await disconnect.isEnabled(), true, 'Disconnect is offered');
      await disconnect.click();
      await waitFor(async () => /^Disconnected$/.test((await statusText(page)).trim()), {
        what: 'Disconnected',
      });
      assert.equal(await page.getByTestId('kill-switch-blocking').count(), 0);
      // The state says Disconnected at once; the helper lifts the block right after.
      await waitFor(async () => !(await table()), {
        timeoutMs: 5_000,
        what: 'Disconnect to lift the block',
      });
      assert.equal(await lanReachable(), true, 'the direct path works again');

      // Connected again, then an orderly stop (what `systemctl restart` or an upgrade
      // sends): not a disconnect. The block stays while no helper runs, and the next
      // helper of this boot resumes the tunnel by itself.
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await waitFor(async () => /^Connected$/.test((await statusText(page)).trim()), {
        timeoutMs: 20_000,
        what: 'Connected again',
      });
      helper.child.kill('SIGTERM');
      await helper.exited;
      assert.ok(await table(), 'a service stop while connected is not a disconnect');
      assert.equal(await lanReachable(), false, 'the LAN stays blocked with no helper');
      helper = await startHelper();
      await waitFor(async () => /^Connected$/.test((await statusText(page)).trim()), {
        timeoutMs: 30_000,
        what: 'the restarted helper to resume the tunnel',
      });
      assert.ok(await table(), 'blocking all along');
      assert.equal(
        (await ping(topo.clientNs, topo.tunnel.serverV4, { count: 1, timeoutSec: 2 })).received,
        1,
        'traffic flows through the resumed tunnel',
      );
      await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
      await waitFor(async () => !(await table()), {
        timeoutMs: 5_000,
        what: 'Disconnect to lift the block',
      });
    } finally {
      await page.close();
      await gui.stop();
      helper.child.kill('SIGTERM');
      await helper.exited;
    }
  });
});
