// A profile's kill switch and allow-LAN settings, from the Profiles view to the helper:
// toggled in the real UI (Debian chromium, web harness), stored with the profile in the
// helper's state directory, and applied by the helper when it connects (real nftables,
// a stock wireguard-go server). The profile is a split tunnel, whose default is no kill
// switch: an "internet" address (192.0.2.80 in the server namespace, reached directly)
// and the LAN (the server's veth address) show what the helper really configured.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  type WebApp,
} from '../harness/index.js';

const INTERNET_V4 = '192.0.2.80';
const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test-artifacts',
  'screenshots',
);

describe('per-profile kill switch and allow LAN in the UI', () => {
  let topo: Topology;
  let browser: Browser;
  let helper: ManagedProcess;
  let gui: WebApp;
  let page: Page;
  const dir = makeTempDir('ss-e2e-pks-');
  const socket = path.join(dir.path, 'run', '0', 'helper.sock');
  const stateDir = path.join(dir.path, 'state');
  const logDir = path.join(dir.path, 'logs');
  let journalDir = '';

  const table = async () =>
    (await topo.clientNs.run('nft', ['list', 'table', 'inet', 'slipstream'])).code === 0;
  const reaches = async (address: string) =>
    (await ping(topo.clientNs, address, { count: 1, timeoutSec: 1 })).received === 1;
  const statusText = async () => (await page.getByRole('status').first().innerText()).trim();
  const nav = (name: string) => page.getByRole('tab', { name, exact: true }).click();
  /** The stored profile's settings, as the helper keeps them (its metadata file). */
  const stored = (): unknown => {
    const files = readdirSync(stateDir).filter((f) => /^[0-9a-f]{16}\.json$/.test(f));
    assert.equal(files.length, 1);
    return (
      JSON.parse(readFileSync(path.join(stateDir, files[0]!), 'utf8')) as { settings?: unknown }
    ).settings;
  };
  /** The helper's own account of the kill switch at its latest connect. */
  const lastKillSwitchLine = () => {
    const lines = readFileSync(path.join(logDir, 'helper.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"message":"kill switch"'));
    return JSON.parse(lines.at(-1) ?? 'null') as { on: boolean; allowLan: boolean; why: string };
  };
  const killSwitchBox = () => page.getByLabel(/^Kill switch:/);
  const allowLanBox = () => page.getByLabel(/^Allow the local network/);
  /** Clicks a box and waits for the helper's answer to show (the boxes follow the store). */
  const toggle = async (box: ReturnType<Page['getByLabel']>, to: boolean) => {
    await box.click();
    await waitFor(async () => (await box.isChecked()) === to, { what: `the box ${to}` });
  };
  const connect = async () => {
    await nav('Status');
    await page.getByLabel('Profile').selectOption({ label: 'branch' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitFor(async () => (await statusText()) === 'Connected', {
      timeoutMs: 20_000,
      what: 'Connected',
    });
  };
  const disconnect = async () => {
    await nav('Status');
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await waitFor(async () => (await statusText()) === 'Disconnected', { what: 'Disconnected' });
    // The state says Disconnected at once; the helper takes the tunnel down right after.
    await waitFor(async () => !(await table()), { timeoutMs: 5_000, what: 'no kill switch' });
  };

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'pks' });
    journalDir = `/run/slipstream-test-${topo.clientNs.name}`;
    await topo.serverNs.ip(['addr', 'add', `${INTERNET_V4}/32`, 'dev', 'lo']);
    await topo.clientNs.ip(['route', 'add', 'default', 'via', topo.link.a.v4 ?? '']);
    helper = topo.clientNs.spawn(
      process.execPath,
      [
        HELPER_MAIN,
        ...['--socket', socket, '--uid', '0', '--gid', '0'],
        ...['--state-dir', stateDir, '--log-dir', logDir, '--ifname', 'slip-pks'],
      ],
      { env: { SLIPSTREAM_STATE_DIR: journalDir } },
    );
    await waitFor(() => existsSync(socket), { what: 'the helper socket' });
    gui = await startWebApp(topo.clientNs, { helperSocket: socket });
    browser = await launchChromium(topo.clientNs);
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(gui.url);
  });
  after(async () => {
    await browser?.close();
    await gui?.stop();
    helper?.child.kill('SIGTERM');
    await helper?.exited;
    rmSync(journalDir, { recursive: true, force: true });
    await cleanupAll();
  });

  test('a split tunnel: default off; turned on with allow LAN, the helper blocks all but the LAN', async () => {
    await nav('Profiles');
    const conf = path.join(dir.path, 'branch.conf');
    writeFileSync(conf, renderClientConfig(topo.clientConfig()));
    await page.getByLabel('Import profile').setInputFiles(conf);
    await page.getByRole('listitem').filter({ hasText: 'branch' }).first().waitFor();
    assert.equal(await killSwitchBox().isChecked(), false, 'split tunnel: off by default');
    assert.equal(await allowLanBox().isDisabled(), true, 'allow LAN needs the kill switch');
    await page.getByText('Default for a split tunnel: off.').waitFor();
    assert.deepEqual(stored(), undefined, 'nothing stored before a choice');

    // Default: no kill switch, the direct path works while connected.
    await connect();
    assert.equal(await table(), false);
    assert.equal(await reaches(INTERNET_V4), true, 'no kill switch: the internet directly');
    const first = lastKillSwitchLine();
    assert.equal(first.on, false);
    assert.equal(first.why, 'off by default for a split tunnel');
    await disconnect();

    await nav('Profiles');
    await toggle(killSwitchBox(), true);
    await waitFor(async () => !(await allowLanBox().isDisabled()), { what: 'allow LAN enabled' });
    await page.getByText('Your choice for this profile.').waitFor();
    assert.deepEqual(stored(), { killSwitch: true, allowLan: false });
    await toggle(allowLanBox(), true);
    await waitFor(async () => (stored() as { allowLan: boolean }).allowLan, {
      what: 'allow LAN stored',
    });
    assert.deepEqual(stored(), { killSwitch: true, allowLan: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'profile-settings.png'), fullPage: true });

    await connect();
    assert.ok(await table(), 'the helper applied the kill switch');
    const line = lastKillSwitchLine();
    assert.equal(line.on, true);
    assert.equal(line.allowLan, true);
    assert.equal(line.why, 'turned on');
    assert.equal(await reaches(topo.tunnel.serverV4), true, 'through the tunnel');
    assert.equal(await reaches(topo.link.a.v4 ?? ''), true, 'the LAN, allowed');
    assert.equal(await reaches(INTERNET_V4), false, 'the internet outside the tunnel: blocked');
    await disconnect();

    // Allow LAN off: the LAN is blocked too. Then back to the default (stored as null).
    await nav('Profiles');
    await toggle(allowLanBox(), false);
    await waitFor(async () => !(stored() as { allowLan: boolean }).allowLan, {
      what: 'allow LAN off stored',
    });
    await connect();
    assert.equal(lastKillSwitchLine().allowLan, false);
    assert.equal(await reaches(topo.link.a.v4 ?? ''), false, 'the LAN, blocked');
    assert.equal(await reaches(topo.tunnel.serverV4), true, 'the tunnel still works');
    await disconnect();
    await nav('Profiles');
    await toggle(killSwitchBox(), false);
    await waitFor(async () => (stored() as { killSwitch: unknown }).killSwitch === null, {
      what: 'the default stored as null',
    });
    assert.equal(await allowLanBox().isDisabled(), true);
    // The choice survives a reload of the page (it lives in the helper, not the page).
    await page.reload();
    await nav('Profiles');
    assert.equal(await killSwitchBox().isChecked(), false);
  });
});
