// `slipstream login / up --portal / logout` against the reference portal (test/portal) in
// the server namespace: the browser step is Debian's chromium (playwright-core) in the
// client namespace, where the CLI's loopback listener is; the client trusts the portal's
// throwaway CA through NODE_EXTRA_CA_CERTS only (the product has no way to skip TLS checks).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { EncryptedFileStore } from '../../app/signin/secret-store.js';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  launchChromium,
  makeTempDir,
  requireRoot,
  startPortal,
  waitFor,
  type ManagedProcess,
  type Portal,
  type TempDir,
  type Topology,
} from '../harness/index.js';
import { RESOURCE_TEXT } from '../harness/portal.js';
import { CLI, logLines } from './slipstream.js';

describe('slipstream CLI with a sign-in portal', () => {
  let topo: Topology;
  let portal: Portal;
  let browser: Browser;
  let state: TempDir;
  let stateDir: string;

  const cli = (args: string[], label: string): ManagedProcess =>
    topo.clientNs.spawn(process.execPath, [CLI, ...args], {
      label,
      env: { NODE_EXTRA_CA_CERTS: portal.caFile },
    });
  const finished = async (proc: ManagedProcess, timeoutMs = 30_000) => {
    const info = await Promise.race([
      proc.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`${proc.label} still running`)), timeoutMs),
      ),
    ]);
    return { code: info.code, stdout: proc.stdout(), output: proc.output() };
  };
  const curl = () => topo.clientNs.run('curl', ['-sS', '--max-time', '3', portal.resourceUrl]);

  /** `slipstream login`, with chromium doing what the user does on the sign-in page. */
  const login = async (user: string, password: string) => {
    const proc = cli(
      ['login', '--portal', portal.url, '--state-dir', stateDir, '--no-browser'],
      'slipstream login',
    );
    const [, url] = await proc.waitForOutput(/^ {2}(https:\/\/\S+)$/m, { stream: 'stdout' });
    // Only the test's browser skips certificate checks (it cannot see NODE_EXTRA_CA_CERTS).
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto(url!);
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 20_000 });
      return {
        proc,
        pageText: await page.locator('body').innerText(),
        result: await finished(proc),
      };
    } finally {
      await context.close();
    }
  };

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'cp' });
    portal = await startPortal(topo, { accessTokenTtl: 6 });
    browser = await launchChromium(topo.clientNs);
    // DNS changes by `up` land in the namespace's own resolv.conf, not the host's.
    await topo.clientNs.writeResolvConf({ nameservers: ['192.0.2.53'] });
    state = makeTempDir('ss-cli-portal-');
    stateDir = path.join(state.path, 'slipstream');
  });
  after(async () => {
    await browser?.close();
    await portal?.stop();
    await topo?.destroy();
    state?.remove();
    await cleanupAll();
  });

  test('up --portal before login says how to sign in', async () => {
    const r = await finished(cli(['up', '--portal', portal.url, '--state-dir', stateDir], 'up'));
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      new RegExp(
        `slipstream: Not signed in to ${portal.url}\\. Run: slipstream login --portal ${portal.url} --state-dir `,
      ),
    );
  });

  test('login in the browser registers this device; up reaches the resource; logout removes the peer', async () => {
    const { pageText, result } = await login('ann', 'correct-horse');
    assert.match(pageText, /You can close this window and return to Slipstream/);
    assert.equal(result.code, 0, result.output);
    assert.match(
      result.stdout,
      new RegExp(`Signed in to ${portal.url} as Ann Example <ann@example\\.com>\\.`),
    );
    assert.match(result.stdout, /This device is registered as "/);

    const stored = await new EncryptedFileStore(stateDir).load();
    assert.ok(stored, 'session saved');
    assert.ok(!result.output.includes(stored.privateKey), 'private key never printed');
    assert.ok(!result.output.includes(stored.tokens.refresh), 'refresh token never printed');
    const devices = await portal.devices();
    assert.deepEqual(
      devices.map((d) => d.publicKey),
      [stored.device.publicKey],
    );
    assert.ok((await portal.peers()).some((p) => p.publicKey === stored.device.publicKey));

    // The access token lives 6 s: by now up must refresh it before reading the device.
    await new Promise((r) => setTimeout(r, 6_500));
    assert.notEqual((await curl()).code, 0, 'the resource is unreachable without the tunnel');
    const up = cli(
      ['up', '--portal', portal.url, '--state-dir', stateDir, '--log-level', 'debug'],
      'slipstream up --portal',
    );
    await up.waitForOutput(/"message":"tunnel up"/, { stream: 'stderr', timeoutMs: 20_000 });
    const r = await waitFor(async () => ((await curl()).code === 0 ? curl() : null), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'the resource through the portal tunnel',
    });
    assert.equal(r.stdout.trim(), RESOURCE_TEXT);
    // Running: refreshes keep coming (every ~5 s for a 6 s token) and are persisted.
    await up.waitForOutput(/"message":"access token refreshed"/, {
      stream: 'stderr',
      timeoutMs: 15_000,
    });
    const lines = logLines(up);
    const all = up.output();
    for (const secret of [stored.privateKey, stored.tokens.access, stored.tokens.refresh]) {
      assert.ok(!all.includes(secret), 'no secret in the logs');
    }
    assert.ok(!lines.some((l) => l.level === 'error'), 'no errors logged');
    up.child.kill('SIGTERM');
    assert.equal((await up.exited).code, 0, up.output());

    const out = await finished(cli(['logout', '--state-dir', stateDir], 'slipstream logout'));
    assert.equal(out.code, 0, out.output);
    assert.match(out.stdout, new RegExp(`Signed out of ${portal.url}; this device was removed\\.`));
    assert.deepEqual(await portal.devices(), []);
    assert.ok(
      !(await portal.peers()).some((p) => p.publicKey === stored.device.publicKey),
      'peer gone',
    );
    assert.equal(existsSync(path.join(stateDir, 'session.enc')), false);
    assert.equal(existsSync(path.join(stateDir, 'session.key')), false);
  });

  test('a device removed on the portal stops up at start', async () => {
    const first = await login('ann', 'correct-horse');
    assert.equal(first.result.code, 0, first.result.output);
    const stored = (await new EncryptedFileStore(stateDir).load())!;
    await portal.revokeDevice(stored.device.id);
    const r = await finished(cli(['up', '--portal', portal.url, '--state-dir', stateDir], 'up'));
    assert.equal(r.code, 1);
    assert.match(r.output, /slipstream: This device was removed on the portal\./);
    // The dead session was wiped: the next up says to sign in.
    const again = await finished(
      cli(['up', '--portal', portal.url, '--state-dir', stateDir], 'up'),
    );
    assert.match(again.output, /Not signed in to/);
  });

  test('a session revoked while up takes the tunnel down with a message and exit 1', async () => {
    const { result } = await login('ann', 'correct-horse');
    assert.equal(result.code, 0, result.output);
    const stored = (await new EncryptedFileStore(stateDir).load())!;
    const up = cli(
      ['up', '--portal', portal.url, '--state-dir', stateDir],
      'slipstream up --portal',
    );
    await up.waitForOutput(/"message":"tunnel up"/, { stream: 'stderr', timeoutMs: 20_000 });
    await waitFor(async () => ((await curl()).code === 0 ? true : null), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'the resource through the portal tunnel',
    });
    // Revoking the user's grants makes the next refresh (in ~5 s for a 6 s token) fail.
    await portal.revokeUser('ann');
    const r = await finished(up, 30_000);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^slipstream: Your session has expired\. Please sign in again\.$/m);
    assert.notEqual((await curl()).code, 0, 'tunnel down');
    assert.equal(await new EncryptedFileStore(stateDir).load(), null, 'dead session wiped');
    await portal.revokeDevice(stored.device.id);
  });

  test('a user the portal forbids gets one sentence and no saved session', async () => {
    const { result } = await login('bob', 'battery-staple');
    assert.equal(result.code, 1);
    assert.match(result.output, /slipstream: Your account is not allowed to use this VPN\./);
    assert.equal(await new EncryptedFileStore(stateDir).load(), null);
  });

  test('logout with the portal unreachable still wipes and says what was not done', async () => {
    const { result } = await login('ann', 'correct-horse');
    assert.equal(result.code, 0, result.output);
    const stored = (await new EncryptedFileStore(stateDir).load())!;
    // Cut the client off from the portal: drop its veth address route.
    await topo.clientNs.exec('ip', [
      'route',
      'add',
      'blackhole',
      `${new URL(portal.url).hostname}/32`,
    ]);
    try {
      const out = await finished(cli(['logout', '--state-dir', stateDir], 'logout'), 90_000);
      assert.equal(out.code, 0, out.output);
      assert.match(
        out.output,
        /This device could not be removed from the portal \(Cannot reach the portal at /,
      );
      assert.match(out.output, /The sign-in could not be revoked at the provider/);
      assert.match(
        out.stdout,
        /Signed out on this device: the saved session and keys were deleted\./,
      );
      assert.equal(await new EncryptedFileStore(stateDir).load(), null);
    } finally {
      await topo.clientNs.exec('ip', [
        'route',
        'del',
        'blackhole',
        `${new URL(portal.url).hostname}/32`,
      ]);
    }
    await portal.revokeDevice(stored.device.id);
  });
});
