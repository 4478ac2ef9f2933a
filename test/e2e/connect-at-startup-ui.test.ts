// The "Connect at startup" toggle in the real Settings view (chromium, `npm run web` and its
// child helper): the box shows what the helper keeps, and the helper stores it root-only in
// its state directory.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  cleanupAll,
  createNamespace,
  ensureTools,
  launchChromium,
  requireRoot,
  startWebApp,
  waitFor,
  type WebApp,
} from '../harness/index.js';

describe('Connect at startup in the Settings view', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  before(async () => {
    requireRoot();
    await ensureTools();
    const ns = await createNamespace('bootui');
    app = await startWebApp(ns);
    browser = await launchChromium(ns);
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await cleanupAll();
  });

  test('the toggle saves to the helper and survives a reload', async () => {
    await page.goto(app.url);
    await page.getByRole('tab', { name: 'Settings', exact: true }).click();
    const box = page.getByRole('checkbox', { name: 'Connect at startup' });
    await box.waitFor();
    assert.equal(await box.isChecked(), false, 'off by default');
    await box.click();
    await waitFor(async () => await box.isChecked(), { what: 'the box to show the saved value' });
    const file = path.join(app.dataDir, 'profiles', 'startup.json');
    await waitFor(
      () => {
        try {
          return JSON.parse(readFileSync(file, 'utf8')).connectAtStartup === true;
        } catch {
          return false;
        }
      },
      { what: 'startup.json to change' },
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(file).uid, 0, "root's");
    await page.reload();
    await page.getByRole('tab', { name: 'Settings', exact: true }).click();
    await waitFor(
      async () => await page.getByRole('checkbox', { name: 'Connect at startup' }).isChecked(),
      { what: 'the setting to survive a reload' },
    );
  });
});
