// The tray menu is a pure function of state and profiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProfileSummary, TunnelState } from '../../../ipc/schema.js';
import { trayIcon, trayMenu, type TrayItem } from '../../../app/main/tray-menu.js';

const profiles: ProfileSummary[] = [
  { id: 'p1', name: 'Office', addresses: [], endpoints: [], peers: 1, fullTunnel: false },
  { id: 'p2', name: 'Home', addresses: [], endpoints: [], peers: 1, fullTunnel: true },
];
const labels = (items: TrayItem[]) => items.map((i) => ('label' in i ? i.label : '—'));
const action = (items: TrayItem[], label: string) => {
  const item = items.find((i) => 'label' in i && i.label === label);
  assert.ok(item && item.type === 'action', `no action ${label}`);
  return item;
};

test('disconnected: status, Connect to the first profile, profile switch, sign out, quit', () => {
  const items = trayMenu({ status: 'disconnected', profileId: null }, profiles);
  assert.deepEqual(labels(items), [
    'Disconnected',
    '—',
    'Connect',
    'Profile',
    '—',
    'Show Slipstream',
    'Sign out',
    'Open logs',
    '—',
    'Quit',
  ]);
  assert.deepEqual(action(items, 'Connect').action, { kind: 'connect', profileId: 'p1' });
  const sub = items.find((i) => i.type === 'submenu');
  assert.ok(sub?.type === 'submenu');
  assert.deepEqual(
    sub.items.map((i) => (i.type === 'radio' ? [i.label, i.checked, i.enabled] : null)),
    [
      ['Office', true, true],
      ['Home', false, true],
    ],
  );
  assert.equal(trayIcon({ status: 'disconnected', profileId: null }), 'disconnected');
});

test('connected and connecting: Disconnect; no profile switching mid-attempt', () => {
  const connected: TunnelState = {
    status: 'connected',
    profileId: 'p2',
    endpoint: 'e:1',
    addresses: [],
    lastHandshakeAgeMs: 3,
    rxBytes: 0,
    txBytes: 0,
    rxBitsPerSecond: 0,
    txBitsPerSecond: 0,
  };
  let items = trayMenu(connected, profiles);
  assert.equal(labels(items)[0], 'Connected to Home');
  assert.deepEqual(action(items, 'Disconnect').action, { kind: 'disconnect' });
  assert.equal(trayIcon(connected), 'connected');
  items = trayMenu({ status: 'connecting', profileId: 'p1', sinceMs: 10 }, profiles);
  assert.equal(labels(items)[0], 'Connecting to Office…');
  const sub = items.find((i) => i.type === 'submenu');
  assert.ok(sub?.type === 'submenu' && sub.items.every((i) => i.type === 'radio' && !i.enabled));
  assert.equal(
    trayIcon({
      status: 'reconnecting',
      profileId: 'p1',
      attempt: 2,
      reason: 'x',
      retryInMs: 2000,
      blocking: true,
    }),
    'connecting',
  );
});

test('error: the sentence in the status line and Retry when retryable', () => {
  const state: TunnelState = {
    status: 'error',
    profileId: 'p1',
    message: 'The server did not answer.',
    retryable: true,
  };
  const items = trayMenu(state, profiles);
  assert.equal(labels(items)[0], 'Error: The server did not answer.');
  assert.deepEqual(action(items, 'Retry').action, { kind: 'connect', profileId: 'p1' });
  assert.equal(trayIcon(state), 'error');
});

test('signed out, or no profiles: nothing to connect, Sign in offered', () => {
  const out = trayMenu({ status: 'signed-out' }, profiles);
  assert.deepEqual(labels(out), [
    'Signed out',
    '—',
    '—',
    'Show Slipstream',
    'Sign in…',
    'Open logs',
    '—',
    'Quit',
  ]);
  const none = trayMenu({ status: 'disconnected', profileId: null }, []);
  assert.equal(action(none, 'Connect').enabled, false);
  assert.ok(!labels(none).includes('Profile'));
});
