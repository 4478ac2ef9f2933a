// The helper as the installed service runs it: started on its own, before and beyond the GUI.
// The tunnel stays up when the GUI quits and the next GUI shows it connected; when the helper
// itself restarts, the GUI says so and comes back on its own (reconnect with backoff).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

describe('a helper that outlives the GUI', () => {
  let topo: Topology;
  let browser: Browser;
  const dir = makeTempDir('ss-e2e-service-');
  // As systemd's RuntimeDirectory would make it: root-owned, 0755, one directory per user.
  const socket = path.join(dir.path, 'run', '0', 'helper.sock');

  const startHelper = async (): Promise<ManagedProcess> => {
    const proc = topo.clientNs.spawn(process.execPath, [
      HELPER_MAIN,
      ...['--socket', socket, '--uid', '0', '--gid', '0'],
      ...['--state-dir', path.join(dir.path, 'state'), '--log-dir', path.join(dir.path, 'logs')],
      ...['--ifname', 'slip-svc'],
    ]);
    await waitFor(() => existsSync(socket), { what: 'the helper socket' });
    return proc;
  };
  const links = async () => topo.clientNs.links();
  const statusText = (page: Page) => page.getByRole('status').first().innerText();

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'svc' });
    browser = await launchChromium(topo.clientNs);
  });
  after(async () => {
    await browser?.close();
    await cleanupAll();
  });

  test('the tunnel stays up when the GUI quits, and the next GUI shows it connected', async () => {
    const helper = await startHelper();
    const gui = await startWebApp(topo.clientNs, { helperSocket: socket });
    const page = await browser.newPage();
    await page.goto(gui.url);
    await page.getByRole('tab', { name: 'Profiles', exact: true }).click();
    const conf = path.join(dir.path, 'office.conf');
    writeFileSync(conf, renderClientConfig(topo.clientConfig()));
    await page.getByLabel('Import profile').setInputFiles(conf);
    await page.getByRole('listitem').filter({ hasText: 'office' }).first().waitFor();
    await page.getByRole('tab', { name: 'Status', exact: true }).click();
    await page.getByLabel('Profile').selectOption({ label: 'office' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitFor(async () => /Connected/.test(await statusText(page)), {
      timeoutMs: 20_000,
      what: 'Connected',
    });
    await page.close();
    await gui.stop();

    assert.ok((await links()).includes('slip-svc'), 'the interface outlived the GUI');
    const p = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 3 });
    assert.equal(p.received, 3, 'and traffic still flows');

    const again = await startWebApp(topo.clientNs, { helperSocket: socket });
    const page2 = await browser.newPage();
    await page2.goto(again.url);
    await waitFor(async () => /Connected/.test(await statusText(page2)), {
      what: 'the new GUI to show the live tunnel',
    });

    // The helper goes away (an upgrade, a crash): the GUI says so instead of hanging...
    await helper.stop();
    assert.ok(!(await links()).includes('slip-svc'), 'a stopping helper takes its tunnel down');
    await waitFor(async () => /Error/.test(await statusText(page2)), {
      what: 'the GUI to report the lost helper',
    });
    await page2.getByText(/Lost contact with the Slipstream service/).waitFor();
    // ...and when it is back, the GUI finds it by itself. The stop (SIGTERM, as the
    // service manager sends) was not the user's disconnect: the new helper of this boot
    // resumes the tunnel.
    const helper2 = await startHelper();
    await waitFor(async () => /^Connected$/.test((await statusText(page2)).trim()), {
      timeoutMs: 30_000,
      what: 'the GUI to reconnect to the restarted helper, which resumes the tunnel',
    });
    assert.ok((await links()).includes('slip-svc'), 'the tunnel is back');
    await page2.close();
    await again.stop();
    await helper2.stop();
  });
});
