// The desktop app's UI end to end, as a user meets it, with nothing faked: the real renderer
// in Debian's chromium, the real main-process logic and privileged helper (`npm run web`),
// the real tunnel, and stock wireguard-go as the server, all inside test namespaces.
// Screenshots of each view go to test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  launchChromium,
  makeTempDir,
  ping,
  renderClientConfig,
  requireRoot,
  startWebApp,
  waitFor,
  type Topology,
  type WebApp,
} from '../harness/index.js';

const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test-artifacts',
  'screenshots',
);

describe('desktop UI against wireguard-go', () => {
  let topo: Topology;
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  const files = makeTempDir('ss-e2e-files-');

  const shot = async (name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  };
  const nav = (name: string) => page.getByRole('tab', { name, exact: true }).click();
  const status = () => page.getByRole('status').first();
  const linksIn = async () => (await topo.clientNs.links()).sort();

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'ui' });
    app = await startWebApp(topo.clientNs, { ifname: 'slip-e2e' });
    browser = await launchChromium(topo.clientNs);
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(app.url);
    await status().waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, [], 'no script errors or CSP violations on load');
    // The access token leaves the address bar (and the history); the reload in the
    // settings test below shows the tab still holds it.
    assert.match(app.url, /[?&]token=/);
    assert.doesNotMatch(page.url(), /token=/);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await cleanupAll();
  });

  test('a bad config shows its problem next to the line, and nothing is imported', async () => {
    await nav('Profiles');
    const text = renderClientConfig(topo.clientConfig()).replace(
      /^Address = .*$/m,
      'Address = 10.200.0.300/24',
    );
    const bad = path.join(files.path, 'broken.conf');
    writeFileSync(bad, text);
    await page.getByLabel('Import profile').setInputFiles(bad);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const line = text.split('\n').findIndex((l) => l.startsWith('Address')) + 1;
    assert.match(await alert.innerText(), new RegExp(`line ${line}\\b`));
    assert.match(await alert.innerText(), /10\.200\.0\.300/);
    await shot('profiles-invalid');
    assert.equal(await page.getByRole('listitem').filter({ hasText: 'broken' }).count(), 0);
  });

  test('import, connect, see counters move, disconnect; the namespace is left as it was', async () => {
    const linksBefore = await linksIn();
    const good = path.join(files.path, 'office.conf');
    writeFileSync(good, renderClientConfig(topo.clientConfig()));
    await page.getByLabel('Import profile').setInputFiles(good);
    await page.getByRole('listitem').filter({ hasText: 'office' }).first().waitFor();
    await shot('profiles');

    await nav('Status');
    await page.getByLabel('Profile').selectOption({ label: 'office' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitFor(async () => /Connected/.test(await status().innerText()), {
      timeoutMs: 20_000,
      what: 'the Connected state',
    });
    assert.ok((await linksIn()).includes('slip-e2e'), 'the tunnel interface exists');
    const rx = async () => Number(await page.getByTestId('rx-bytes').getAttribute('data-value'));
    const rx0 = await rx();
    const p = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 5, intervalSec: 0.2 });
    assert.equal(p.received, 5, 'traffic flows through the tunnel the UI brought up');
    await waitFor(async () => (await rx()) > rx0, {
      timeoutMs: 5_000,
      what: 'the received-bytes counter to move',
    });
    assert.match(await page.getByTestId('handshake-age').innerText(), /\d/);
    await shot('status-connected');

    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await waitFor(async () => /Disconnected/.test(await status().innerText()), {
      what: 'the Disconnected state',
    });
    await waitFor(async () => !(await linksIn()).includes('slip-e2e'), {
      what: 'the tunnel interface to go',
    });
    assert.deepEqual(await linksIn(), linksBefore);
  });

  test('the log viewer pages, filters, searches and marks malformed lines', async () => {
    // A line no logger wrote: the viewer must show it, marked, not drop it.
    appendFileSync(path.join(app.logDir, 'main.jsonl'), 'this is not json {\n');
    await nav('Logs');
    const count = page.getByTestId('log-count');
    await count.waitFor();
    await page.getByLabel('Source').selectOption('main');
    await waitFor(async () => Number(await count.getAttribute('data-total')) > 2, {
      what: 'main log lines',
    });
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    const malformed = page.locator('[data-level="malformed"]');
    await malformed.first().waitFor({ timeout: 5_000 });
    assert.match(await malformed.first().innerText(), /this is not json/);

    await page.getByLabel('Source').selectOption('helper');
    await page.getByRole('searchbox', { name: 'Search logs' }).fill('handshake complete');
    await waitFor(
      async () => {
        const n = Number(await count.getAttribute('data-matching'));
        return n >= 1 && n < Number(await count.getAttribute('data-total')) ? n : null;
      },
      { what: 'the search to narrow the helper log' },
    );
    const rows = page.locator('[data-line]');
    const texts = await rows.allInnerTexts();
    assert.ok(texts.length >= 1);
    for (const t of texts) assert.match(t, /handshake complete/i);
    await shot('logs-search');

    await page.getByRole('searchbox', { name: 'Search logs' }).fill('');
    await page.getByLabel('Minimum level').selectOption('warn');
    await waitFor(
      async () =>
        Number(await count.getAttribute('data-matching')) <
        Number(await count.getAttribute('data-total')),
      { what: 'the level filter to apply' },
    );
    for (const level of await rows.evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-level')),
    ))
      assert.ok(['warn', 'error', 'malformed'].includes(level ?? ''), `level ${level}`);
    await shot('logs');
  });

  test('log viewer tools: jump to a time, copy a line, export a zip, keyboard use', async () => {
    await page.getByLabel('Minimum level').selectOption('trace');
    await page.getByLabel('Source').selectOption('helper');
    const rows = page.locator('[data-line]');
    const count = page.getByTestId('log-count');
    // The new filter's own lines, not the previous ones still on screen.
    await waitFor(
      async () =>
        (await count.getAttribute('data-matching')) === (await count.getAttribute('data-total')),
      { what: 'the unfiltered helper log' },
    );
    await rows.first().waitFor();
    const notice = page.locator('.notice');

    // Jump to the time of the handshake: the first line shown is at or after it.
    const helperLog = readFileSync(path.join(app.logDir, 'helper.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { time: string; message: string });
    const target = helperLog.find((l) => l.message === 'handshake complete');
    assert.ok(target, 'the helper logged the handshake');
    await page.getByLabel('Jump to time').fill(target.time);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await waitFor(async () => /Showing the first line at or after/.test(await notice.innerText()), {
      what: 'the jump',
    });
    const selectedLine = Number(
      await page.locator('[data-line][aria-selected="true"]').first().getAttribute('data-line'),
    );
    const expected = helperLog.findIndex((l) => l.time >= target.time);
    assert.equal(selectedLine, expected, 'the selected line is the first at or after the time');

    // Copy puts exactly that line on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(app.url).origin,
    });
    await page.getByRole('button', { name: 'Copy line', exact: true }).click();
    await waitFor(async () => /Copied line/.test(await notice.innerText()), { what: 'copy' });
    const copied = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    assert.match(copied, /handshake complete/);

    // The list is keyboard-driven: End selects the last line.
    await page.getByRole('grid', { name: 'Log lines' }).focus();
    await page.keyboard.press('End');
    await waitFor(
      async () =>
        Number(
          await page.locator('[data-line][aria-selected="true"]').first().getAttribute('data-line'),
        ) ===
        Number(await page.getByTestId('log-count').getAttribute('data-total')) - 1,
      { what: 'End to select the last line' },
    );

    // Export writes a zip holding both processes' logs.
    await page.getByRole('button', { name: 'Export logs', exact: true }).click();
    await waitFor(async () => /Logs exported to/.test(await notice.innerText()), {
      what: 'the export',
    });
    const zipPath = (await notice.innerText()).replace(/^.*Logs exported to /, '').trim();
    const entries = Object.keys(unzipSync(readFileSync(zipPath)));
    for (const name of ['main.jsonl', 'helper.jsonl', 'about.json'])
      assert.ok(entries.includes(name), `${name} in ${entries.join(', ')}`);
  });

  test('the log viewer shows rotated files first and interleaves app and helper by time', async () => {
    // Yesterday's logs, as the sink leaves them after a restart: main.jsonl.1 and
    // helper.jsonl.1, one line a second, the helper's half a second after the app's (at
    // the same instant every 50th line: the app's comes first), one helper line
    // malformed; before them, in main.jsonl.2, 25 lines of 100,000 characters, which the
    // app hands over a few at a time (answers are bounded in bytes).
    const t0 = Date.now() - 2 * 3_600_000;
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const entry = (ms: number, target: string, message: string, i: number) =>
      JSON.stringify({ time: at(ms), level: 'info', target, message, i });
    const N = 300;
    const HUGE = 25;
    const mainOld = Array.from({ length: N }, (_, i) =>
      entry(i * 1000, 'main', `yesterday app ${i}`, i),
    );
    const helperOld = Array.from({ length: N }, (_, i) =>
      i === 100
        ? 'helper junk: not a log entry'
        : entry(i * 1000 + (i % 50 === 0 ? 0 : 500), 'helper', `yesterday helper ${i}`, i),
    );
    const huge = Array.from({ length: HUGE }, (_, i) => `huge ${i} ${'x'.repeat(99_000)}`);
    writeFileSync(path.join(app.logDir, 'main.jsonl.2'), `${huge.join('\n')}\n`);
    writeFileSync(path.join(app.logDir, 'main.jsonl.1'), `${mainOld.join('\n')}\n`);
    writeFileSync(path.join(app.logDir, 'helper.jsonl.1'), `${helperOld.join('\n')}\n`);
    /** The merged row at `index` in the part these files make (the first HUGE + 2N rows). */
    const expected = (index: number) => {
      if (index < HUGE) return { process: 'main', file: 'main.jsonl.2', line: index };
      const j = index - HUGE;
      // The malformed helper line 100 sorts with helper line 99, before the app's line 100.
      if (j === 200) return { process: 'helper', file: 'helper.jsonl.1', line: 100 };
      if (j === 201) return { process: 'main', file: 'main.jsonl.1', line: 100 };
      const i = Math.floor(j / 2);
      return j % 2 === 0
        ? { process: 'main', file: 'main.jsonl.1', line: i }
        : { process: 'helper', file: 'helper.jsonl.1', line: i };
    };
    const rows = page.locator('[data-line]');
    const count = page.getByTestId('log-count');
    const grid = page.getByRole('grid', { name: 'Log lines' });
    /** Every row on screen, once loaded, is the one the merge puts there. */
    const rowsOnScreen = async () => {
      const seen = await rows.evaluateAll((els) =>
        els.map((e) => ({
          index: Number(e.getAttribute('aria-rowindex')) - 1,
          process: e.getAttribute('data-process'),
          file: e.getAttribute('data-file'),
          line: Number(e.getAttribute('data-line')),
          badge: e.querySelector('.log-process')?.textContent ?? null,
        })),
      );
      return seen.sort((a, b) => a.index - b.index);
    };
    const checkRows = async (from: number, label: string) => {
      // Loaded, contiguous rows from `from`, at least a screenful: no page left half-fetched.
      const seen = await waitFor(
        async () => {
          const r = await rowsOnScreen();
          const pending = await page.locator('.log-row.pending').count();
          return pending === 0 && r.length >= 12 && r.some((x) => x.index === from) ? r : null;
        },
        { what: `the rows at ${label}` },
      );
      for (const row of seen) {
        if (row.index >= HUGE + 2 * N) continue;
        const want = expected(row.index);
        assert.deepEqual(
          { process: row.process, file: row.file, line: row.line },
          want,
          `${label}: row ${row.index}`,
        );
        assert.equal(row.badge, want.process === 'main' ? 'app' : 'helper', 'the row says who');
      }
      return seen;
    };
    const jump = async (ms: number, index: number, label: string) => {
      await page.getByLabel('Jump to time').fill(at(ms));
      await page.getByRole('button', { name: 'Go', exact: true }).click();
      await waitFor(
        async () =>
          Number(
            await page
              .locator('[data-line][aria-selected="true"]')
              .first()
              .getAttribute('aria-rowindex'),
          ) ===
          index + 1,
        { what: `the jump to ${label}` },
      );
      await checkRows(index, label);
    };

    await page.getByLabel('Minimum level').selectOption('trace');
    await page.getByRole('searchbox', { name: 'Search logs' }).fill('');
    await page.getByLabel('Source').selectOption({ label: 'Both, interleaved by time' });
    await waitFor(async () => Number(await count.getAttribute('data-total')) > HUGE + 2 * N, {
      what: 'both logs with their rotated files',
    });
    await grid.focus();
    await page.keyboard.press('Home');
    const top = await checkRows(0, 'the top');
    assert.ok(top.length > 12, 'a screenful of huge lines, fetched a few at a time');
    // The app's line 150 and the helper's at the same instant: the app's first. Then a
    // page boundary (row 400) with the rows on both sides of it.
    await jump(150_000, HUGE + 300, 'equal times');
    assert.deepEqual(
      (await rowsOnScreen()).find((r) => r.index === HUGE + 301),
      { index: HUGE + 301, process: 'helper', file: 'helper.jsonl.1', line: 150, badge: 'helper' },
    );
    await jump(187_000, HUGE + 374, 'a page boundary');
    // The malformed helper line sorts with the helper line before it.
    await jump(99_600, HUGE + 201, 'past the malformed line');
    const junk = page.locator('[aria-rowindex="226"]');
    assert.equal(await junk.getAttribute('data-level'), 'malformed');
    assert.equal(await junk.getAttribute('data-process'), 'helper');
    await shot('logs-both');

    // Each log alone reads from its oldest file too.
    await page.getByLabel('Source').selectOption({ label: 'App' });
    await waitFor(async () => Number(await count.getAttribute('data-total')) > HUGE + N, {
      what: 'the app log with its rotated files',
    });
    await grid.focus();
    await page.keyboard.press('Home');
    await waitFor(
      async () =>
        (await rows.first().getAttribute('data-file')) === 'main.jsonl.2' &&
        (await rows.first().getAttribute('data-line')) === '0',
      { what: 'main.jsonl.2 first' },
    );
    await page.getByLabel('Source').selectOption({ label: 'Helper (tunnel service)' });
    await waitFor(async () => (await rows.first().getAttribute('data-file')) === 'helper.jsonl.1', {
      what: 'helper.jsonl.1 first',
    });
  });

  test('every control has an accessible name, and the sections are reachable by keyboard', async () => {
    for (const section of ['Status', 'Profiles', 'Logs', 'Settings']) {
      await nav(section);
      const unnamed = await page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: { querySelectorAll(s: string): ArrayLike<{ outerHTML: string }> };
          }
        ).document;
        // An accessible name from a label, aria-label(ledby) or the element's own text.
        return Array.from(doc.querySelectorAll('button, input, select, textarea, [role="tab"]'))
          .map(
            (e) =>
              e as unknown as {
                outerHTML: string;
                labels?: ArrayLike<unknown> | null;
                textContent: string | null;
                getAttribute(n: string): string | null;
                type?: string;
              },
          )
          .filter(
            (e) =>
              e.type !== 'hidden' &&
              !(e.labels && e.labels.length > 0) &&
              !e.getAttribute('aria-label') &&
              !e.getAttribute('aria-labelledby') &&
              !(e.textContent ?? '').trim(),
          )
          .map((e) => e.outerHTML.slice(0, 120));
      });
      assert.deepEqual(unnamed, [], `unnamed controls in ${section}`);
    }
    // Tabs: focus the selected one and move with the arrow keys, as WAI-ARIA tabs do.
    await page.getByRole('tab', { name: 'Status', exact: true }).click();
    await page.getByRole('tab', { name: 'Status', exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitFor(
      async () =>
        (await page
          .getByRole('tab', { name: 'Profiles', exact: true })
          .getAttribute('aria-selected')) === 'true',
      { what: 'the keyboard to move to Profiles' },
    );
  });

  test('a profile dropped on the window is imported; rename and delete it', async () => {
    await nav('Profiles');
    const text = renderClientConfig(topo.clientConfig());
    // What a file dropped from the file manager looks like to the page.
    const data = await page.evaluateHandle((conf) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: string[], name: string) => unknown;
      };
      const dt = new g.DataTransfer();
      dt.items.add(new g.File([conf], 'dropped.conf'));
      return dt;
    }, text);
    const zone = page.getByRole('region', { name: 'Drop a .conf file here' });
    await zone.dispatchEvent('dragenter', { dataTransfer: data });
    await zone.dispatchEvent('dragover', { dataTransfer: data });
    await zone.dispatchEvent('drop', { dataTransfer: data });
    const row = page.getByRole('listitem').filter({ hasText: 'dropped' });
    await row.first().waitFor();

    await page.getByRole('button', { name: 'Rename dropped', exact: true }).click();
    await page.getByLabel('New name for dropped').fill('Lab gateway');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('listitem').filter({ hasText: 'Lab gateway' }).first().waitFor();
    assert.equal(await page.getByRole('listitem').filter({ hasText: 'dropped' }).count(), 0);

    await page.getByRole('button', { name: 'Delete Lab gateway', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await waitFor(
      async () =>
        (await page.getByRole('listitem').filter({ hasText: 'Lab gateway' }).count()) === 0,
      { what: 'the profile to be deleted' },
    );
    const stored = readdirSync(path.join(app.dataDir, 'profiles')).filter((f) =>
      f.endsWith('.conf'),
    );
    assert.equal(stored.length, 1, 'only the first imported profile is left on disk');
  });

  test('dark theme: the views follow the system colour scheme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = () =>
      page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { body: unknown };
          getComputedStyle(e: unknown): { backgroundColor: string };
        };
        return g.getComputedStyle(g.document.body).backgroundColor;
      });
    const dark = await background();
    for (const section of ['Status', 'Profiles', 'Logs', 'Settings']) {
      await nav(section);
      await shot(`dark-${section.toLowerCase()}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    assert.notEqual(dark, light, 'the background changes with the colour scheme');
    const luminance = (rgb: string) =>
      (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, v) => sum + Number(v), 0);
    assert.ok(luminance(dark) < luminance(light), `${dark} is darker than ${light}`);
  });

  test('settings persist across reloads and land in the settings file', async () => {
    await nav('Settings');
    const startAtLogin = page.getByRole('checkbox', { name: 'Start at login' });
    await startAtLogin.waitFor();
    const was = await startAtLogin.isChecked();
    // The box follows the saved value, so it flips once main has answered, not on the click.
    await startAtLogin.click();
    await waitFor(async () => (await startAtLogin.isChecked()) === !was, {
      what: 'the checkbox to show the saved value',
    });
    await page.getByLabel('Log level').selectOption('debug');
    await waitFor(
      () => {
        try {
          const s = JSON.parse(readFileSync(path.join(app.dataDir, 'settings.json'), 'utf8'));
          return s.logLevel === 'debug' && s.startAtLogin === !was;
        } catch {
          return false;
        }
      },
      { what: 'settings.json to change' },
    );
    await shot('settings');
    await page.reload();
    await nav('Settings');
    await waitFor(
      async () =>
        (await page.getByRole('checkbox', { name: 'Start at login' }).isChecked()) === !was,
      {
        what: 'the setting to survive a reload',
      },
    );
  });
});
