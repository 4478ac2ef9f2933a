// Signing in with a company account in the desktop UI, end to end and for real: the renderer
// in chromium, `npm run web` (main logic + helper) in the client namespace, the reference
// portal (oidc-provider, provisioning API, wireguard-go gateway) in the server namespace, and
// a web resource reachable only through the tunnel. The app trusts the portal's throwaway CA
// through NODE_EXTRA_CA_CERTS, as a company CA would be; only the test browser skips TLS checks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  launchChromium,
  makeTempDir,
  requireRoot,
  startPortal,
  startWebApp,
  waitFor,
  type Portal,
  type Topology,
  type WebApp,
} from '../harness/index.js';
import { RESOURCE_TEXT } from '../harness/portal.js';

describe('company sign-in in the desktop UI', () => {
  let topo: Topology;
  let portal: Portal;
  let app: WebApp;
  const appDir = makeTempDir('ss-e2e-signin-');
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const account = () => page.getByRole('region', { name: 'Company account' });
  const statusText = () => page.getByRole('status').first().innerText();
  const curl = () => topo.clientNs.run('curl', ['-sS', '--max-time', '3', portal.resourceUrl]);
  const links = async () => topo.clientNs.links();

  /** Starts a sign-in in the app and returns the provider's page, opened from the app's link. */
  const startSignIn = async (portalUrl: string): Promise<Page & { authUrl: URL }> => {
    await page.getByLabel('Portal address').fill(portalUrl);
    await account().getByRole('button', { name: 'Sign in', exact: true }).click();
    const link = page.getByRole('link', { name: 'open the sign-in page' });
    await link.waitFor({ timeout: 15_000 });
    const authUrl = new URL((await link.getAttribute('href')) ?? '');
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    return Object.assign(popup, { authUrl });
  };
  /**
   * Signs in on the provider's page as ann, or sees it skipped: after a first sign-in the
   * provider remembers the browser (single sign-on) and answers at once.
   */
  const finishSignIn = async (popup: Page) => {
    const done = popup.getByText(/You can close this window/);
    const form = popup.getByLabel('Username');
    await done.or(form).first().waitFor({ timeout: 20_000 });
    if (await form.isVisible()) await logIn(popup, 'ann', 'correct-horse');
    await done.waitFor({ timeout: 20_000 });
    await popup.close();
  };
  const logIn = async (popup: Page, user: string, password: string) => {
    await popup.getByLabel('Username').fill(user);
    await popup.getByLabel('Password').fill(password);
    await popup.getByRole('button', { name: 'Sign in' }).click();
  };
  const signedOutWith = async (message: RegExp) => {
    await waitFor(
      async () => {
        const text = await account().innerText();
        return message.test(text) && /Portal address/.test(text);
      },
      { timeoutMs: 30_000, what: `the account panel to say ${message}` },
    );
  };

  const startApp = () =>
    startWebApp(topo.clientNs, {
      dir: appDir,
      ifname: 'slip-si',
      env: { NODE_EXTRA_CA_CERTS: portal.caFile, SLIPSTREAM_PORTAL_POLL_SECONDS: '2' },
    });

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'si' });
    // Short access tokens, so expiry and refresh happen within the test.
    portal = await startPortal(topo, { accessTokenTtl: 6 });
    app = await startApp();
    browser = await launchChromium(topo.clientNs);
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    await page.goto(app.url);
    await account().waitFor();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await portal?.stop();
    await cleanupAll();
  });

  test('the portal cannot be reached: one sentence, and the form is back', async () => {
    await page.getByLabel('Portal address').fill('https://10.99.0.1:1');
    await account().getByRole('button', { name: 'Sign in', exact: true }).click();
    await signedOutWith(/Cannot reach the portal/);
  });

  test('a wrong password is refused on the sign-in page; cancelling returns to the form', async () => {
    const popup = await startSignIn(portal.url);
    await logIn(popup, 'ann', 'wrong-password');
    await popup.getByText('Wrong username or password.').waitFor();
    await popup.close();
    await account().getByRole('button', { name: 'Cancel', exact: true }).click();
    await signedOutWith(/Portal address/);
    assert.deepEqual(await portal.devices(), [], 'nothing was registered');
  });

  test('a callback that does not belong to this sign-in (wrong state) gets 404, and the sign-in waits on', async () => {
    const popup = await startSignIn(portal.url);
    const auth = popup.authUrl;
    const redirect = auth.searchParams.get('redirect_uri');
    assert.match(redirect ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/, 'a loopback redirect');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256', 'PKCE');
    // Any local process can send this; it must neither finish nor fail the sign-in.
    const stray = await popup.goto(`${redirect}?code=forged&state=not-the-one`);
    assert.equal(stray?.status(), 404);
    const bare = await popup.goto(`${redirect}?state=bogus`);
    assert.equal(bare?.status(), 404);
    await new Promise((r) => setTimeout(r, 500));
    assert.match(await account().innerText(), /Signing in|Waiting/i, 'still signing in');
    await account().getByRole('button', { name: 'Cancel', exact: true }).click();
    await signedOutWith(/Portal address/);
    await popup.close();
  });

  test('sign in → device provisioned → tunnel up → resource reachable → sign out → peer gone', async () => {
    assert.notEqual((await curl()).code, 0, 'the resource is unreachable without the tunnel');
    const popup = await startSignIn(portal.url);
    await logIn(popup, 'ann', 'correct-horse');
    await popup.getByText(/You can close this window/).waitFor({ timeout: 20_000 });
    await popup.close();
    await waitFor(async () => /Signed in as/.test(await account().innerText()), {
      timeoutMs: 20_000,
      what: 'the signed-in account',
    });
    await waitFor(async () => /Connected/.test(await statusText()), {
      timeoutMs: 20_000,
      what: 'the tunnel to connect after sign-in',
    });
    const [device] = await portal.devices();
    assert.ok(device, 'the portal has this device');
    assert.ok((await portal.peers()).some((p) => p.publicKey === device.publicKey));
    const r = await waitFor(async () => ((await curl()).code === 0 ? curl() : null), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'the resource through the tunnel',
    });
    assert.equal(r.stdout.trim(), RESOURCE_TEXT);
    // The access token lives 6 s; after 8 s the session has refreshed and is still in use.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    assert.match(await account().innerText(), /Signed in as/);
    assert.equal((await curl()).code, 0, 'still connected after the token was refreshed');

    await account().getByRole('button', { name: 'Sign out', exact: true }).click();
    await signedOutWith(/Portal address/);
    await waitFor(async () => /Disconnected/.test(await statusText()), { what: 'Disconnected' });
    assert.ok(!(await links()).includes('slip-si'), 'the tunnel is down');
    assert.deepEqual(await portal.devices(), [], 'the device is gone from the portal');
    assert.ok(!(await portal.peers()).some((p) => p.publicKey === device.publicKey));
    await waitFor(
      async () => !(await page.getByLabel('Profile').innerText()).includes('company account'),
      { what: 'the account profile to be removed' },
    );
  });

  test('device revoked on the portal while connected: tunnel down, and the user is told', async () => {
    await finishSignIn(await startSignIn(portal.url));
    await waitFor(async () => /Connected/.test(await statusText()), {
      timeoutMs: 20_000,
      what: 'Connected',
    });
    const [device] = await portal.devices();
    assert.ok(device);
    await portal.revokeDevice(device.id);
    await signedOutWith(/This device was removed on the portal\./);
    await waitFor(async () => !(await links()).includes('slip-si'), { what: 'the tunnel to go' });
  });

  test('sessions revoked at the provider: the session expires, the tunnel goes down', async () => {
    await finishSignIn(await startSignIn(portal.url));
    await waitFor(async () => /Connected/.test(await statusText()), {
      timeoutMs: 20_000,
      what: 'Connected',
    });
    await portal.revokeUser('ann');
    await signedOutWith(/Your session has expired\. Please sign in again\./);
    await waitFor(async () => !(await links()).includes('slip-si'), { what: 'the tunnel to go' });
  });

  test('the sign-in survives an app restart (stored encrypted), and works after it', async () => {
    // An expired session cannot remove its device (no token left); those stay on the portal.
    const before = (await portal.devices()).map((d) => d.id);
    await finishSignIn(await startSignIn(portal.url));
    await waitFor(async () => /Connected/.test(await statusText()), {
      timeoutMs: 20_000,
      what: 'Connected',
    });
    await app.stop();
    app = await startApp();
    await page.goto(app.url);
    await waitFor(async () => /Signed in as/.test(await account().innerText()), {
      timeoutMs: 20_000,
      what: 'the restored sign-in',
    });
    // The app's own helper went with it; the account's profile is still there to connect.
    await page.getByLabel('Profile').selectOption({ label: '10.99.0.1:8443 (company account)' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitFor(async () => /Connected/.test(await statusText()), {
      timeoutMs: 20_000,
      what: 'Connected after the restart',
    });
    await waitFor(async () => ((await curl()).code === 0 ? true : null), {
      timeoutMs: 15_000,
      what: 'the resource after the restart',
    });
    await account().getByRole('button', { name: 'Sign out', exact: true }).click();
    await signedOutWith(/Portal address/);
    assert.deepEqual(
      (await portal.devices()).map((d) => d.id),
      before,
      'only this sign-in’s device was added and removed',
    );
  });
});
