// The pure parts of the Electron glue: the command gate, lifecycle decisions,
// deep links, the file layout, and tray items → Electron menu template.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope, ProfileSummary } from '../../../ipc/schema.js';
import { appPaths } from '../../../app/main/electron/app-paths.js';
import { commandGate } from '../../../app/main/electron/command-gate.js';
import {
  findDeepLink,
  parseDeepLink,
  describeDeepLink,
} from '../../../app/main/electron/deep-link.js';
import {
  disconnectOnQuit,
  onWindowClose,
  startHidden,
} from '../../../app/main/electron/lifecycle.js';
import { menuLabel, trayTemplate } from '../../../app/main/electron/tray-template.js';
import { trayMenu, type TrayAction } from '../../../app/main/tray-menu.js';

const appRoot = 'file:///opt/Slipstream/resources/app.asar/dist/renderer/';

test('commands are dispatched only for the app’s own frames', async () => {
  const calls: [unknown, unknown][] = [];
  const gate = commandGate(async (command, payload) => {
    calls.push([command, payload]);
    return { ok: true, value: 'v' };
  }, appRoot);
  const ok = await gate(`${appRoot}index.html`, 'getState', {});
  assert.deepEqual(ok, { ok: true, value: 'v' });
  const refused: Envelope = {
    ok: false,
    error: { code: 'failed', message: 'not allowed from this page' },
  };
  assert.deepEqual(await gate('https://evil.example/', 'getState', {}), refused);
  assert.deepEqual(await gate(undefined, 'getState', {}), refused);
  assert.deepEqual(await gate('file:///etc/passwd', 'getState', {}), refused);
  assert.deepEqual(await gate(`${appRoot}index.html`, 'hasOwnProperty', {}), {
    ok: false,
    error: { code: 'unknown-command', message: 'unknown command' },
  });
  assert.deepEqual(calls, [['getState', {}]]);
});

test('a throwing dispatch still answers with an Envelope', async () => {
  const gate = commandGate(() => Promise.reject(new Error('secret detail')), appRoot);
  assert.deepEqual(await gate(`${appRoot}index.html`, 'getState', {}), {
    ok: false,
    error: { code: 'failed', message: 'internal error' },
  });
});

test('closing hides the window unless quitting; quitting disconnects only when asked', () => {
  assert.equal(onWindowClose(false), 'hide');
  assert.equal(onWindowClose(true), 'close');
  const settings = {
    startAtLogin: false,
    logLevel: 'info' as const,
    keepTunnelWhenWindowCloses: false,
  };
  const connected = {
    status: 'connected' as const,
    profileId: 'p',
    endpoint: 'e:1',
    addresses: [],
    lastHandshakeAgeMs: null,
    rxBytes: 0,
    txBytes: 0,
    rxBitsPerSecond: 0,
    txBitsPerSecond: 0,
  };
  assert.equal(disconnectOnQuit(settings, connected), true);
  assert.equal(
    disconnectOnQuit(settings, { status: 'connecting', profileId: 'p', sinceMs: 0 }),
    true,
  );
  assert.equal(disconnectOnQuit(settings, { status: 'disconnected', profileId: null }), false);
  assert.equal(
    disconnectOnQuit({ ...settings, keepTunnelWhenWindowCloses: true }, connected),
    false,
  );
  assert.equal(startHidden(['/opt/Slipstream/slipstream', '--hidden']), true);
  assert.equal(startHidden(['/opt/Slipstream/slipstream']), false);
});

test('deep links: only slipstream://, bounded, parameters named but not logged', () => {
  const link = parseDeepLink('slipstream://auth/callback?code=SECRET&state=s');
  assert.deepEqual(link, {
    action: 'auth',
    path: '/callback',
    params: { code: 'SECRET', state: 's' },
    url: 'slipstream://auth/callback?code=SECRET&state=s',
  });
  assert.deepEqual(describeDeepLink(link!), {
    action: 'auth',
    path: '/callback',
    params: ['code', 'state'],
  });
  assert.equal(parseDeepLink('https://auth/callback'), null);
  assert.equal(parseDeepLink('slipstream://user:pw@auth/'), null);
  assert.equal(parseDeepLink(`slipstream://auth/?x=${'a'.repeat(5000)}`), null);
  assert.equal(parseDeepLink('slipstream:auth'), null);
  assert.deepEqual(
    findDeepLink(['C:\\S\\Slipstream.exe', '--allow-file-access', 'slipstream://open']),
    { action: 'open', path: '', params: {}, url: 'slipstream://open' },
  );
  assert.equal(findDeepLink(['/opt/Slipstream/slipstream', '--hidden']), null);
});

test('file layout: packaged (asar, unpacked helper, resources) and development', () => {
  const linux = appPaths({
    appPath: '/opt/Slipstream/resources/app.asar',
    packaged: true,
    resourcesPath: '/opt/Slipstream/resources',
    platform: 'linux',
  });
  assert.deepEqual(linux, {
    appRoot,
    indexUrl: `${appRoot}index.html`,
    preload: '/opt/Slipstream/resources/app.asar/dist/preload/preload.cjs',
    helperEntry: '/opt/Slipstream/resources/app.asar.unpacked/dist/app/helper/main.js',
    helperLauncher: '/opt/Slipstream/resources/linux/slipstream-helper',
    trayIconDir: '/opt/Slipstream/resources/icons/tray',
    appIcon: '/opt/Slipstream/resources/icons/icon.png',
  });
  const dev = appPaths({
    appPath: '/src/slipstream',
    packaged: false,
    resourcesPath: '/x',
    platform: 'linux',
  });
  assert.equal(dev.helperEntry, '/src/slipstream/dist/app/helper/main.js');
  assert.equal(dev.helperLauncher, null);
  assert.equal(dev.trayIconDir, '/src/slipstream/app/packaging/icons/tray');
  const win = appPaths({
    appPath: 'C:\\Program Files\\Slipstream\\resources\\app.asar',
    packaged: true,
    resourcesPath: 'C:\\Program Files\\Slipstream\\resources',
    platform: 'win32',
  });
  assert.equal(
    win.appRoot,
    'file:///C:/Program%20Files/Slipstream/resources/app.asar/dist/renderer/',
  );
  assert.equal(
    win.helperEntry,
    'C:\\Program Files\\Slipstream\\resources\\app.asar.unpacked\\dist\\app\\helper\\main.js',
  );
  assert.equal(win.helperLauncher, null);
});

const profiles: ProfileSummary[] = [
  { id: 'p1', name: 'R&D office', addresses: [], endpoints: [], peers: 1, fullTunnel: false },
  { id: 'p2', name: 'Home', addresses: [], endpoints: [], peers: 1, fullTunnel: true },
];

test('tray items become a menu template whose clicks carry the items’ actions', () => {
  const actions: TrayAction[] = [];
  const template = trayTemplate(
    trayMenu({ status: 'disconnected', profileId: null }, profiles),
    (a) => actions.push(a),
  );
  const shape = template.map((i) => [i.type, i.label ?? null, i.enabled ?? null]);
  assert.deepEqual(shape, [
    ['normal', 'Disconnected', false],
    ['separator', null, null],
    ['normal', 'Connect', true],
    ['submenu', 'Profile', null],
    ['separator', null, null],
    ['normal', 'Show Slipstream', true],
    ['normal', 'Sign out', true],
    ['normal', 'Open logs', true],
    ['separator', null, null],
    ['normal', 'Quit', true],
  ]);
  const submenu = template[3]!.submenu;
  assert.ok(Array.isArray(submenu));
  assert.deepEqual(
    submenu.map((i) => [i.type, i.label, i.checked]),
    [
      ['radio', 'R&&D office', true],
      ['radio', 'Home', false],
    ],
  );
  const click = (i: { click?: unknown }) => (i.click as () => void)();
  click(template[2]!);
  click(submenu[1]!);
  click(template[9]!);
  assert.equal(template[0]!.click, undefined);
  assert.deepEqual(actions, [
    { kind: 'connect', profileId: 'p1' },
    { kind: 'connect', profileId: 'p2' },
    { kind: 'quit' },
  ]);
});

test('menu labels: & is literal, whitespace folded, long text cut', () => {
  assert.equal(menuLabel('A & B'), 'A && B');
  assert.equal(menuLabel('line\nbreak\t x'), 'line break x');
  assert.equal(menuLabel('x'.repeat(100)), `${'x'.repeat(79)}…`);
});
