import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platform } from '../../../app/platform/index.js';
import { linuxPlatform } from '../../../app/platform/linux/index.js';
import { windowsPlatform } from '../../../app/platform/windows/index.js';
import { tablesFromIpJson } from '../../../app/platform/linux/tables.js';
import { RecordingAddon } from './recording-addon.js';

test('platform(): Linux gets the Linux implementation', () => {
  assert.equal(platform('linux'), linuxPlatform);
});

test('platform(): Windows gets the Windows implementation; an addon without winNet fails clearly', async () => {
  assert.equal(platform('win32'), windowsPlatform);
  const addon = new RecordingAddon();
  const win = platform('win32');
  await assert.rejects(win.recoverStale(addon), /no Windows network configuration/);
  await assert.rejects(
    win.configureTunnel(
      addon,
      { name: 'wg0', ifindex: 1 },
      { interface: { addresses: [], dns: [], dnsSearch: [] }, peers: [] },
      { mtu: 1420 },
    ),
    /no Windows network configuration/,
  );
  assert.deepEqual(addon.calls, []);
});

test('platform(): other systems fail clearly instead of pretending', async () => {
  const addon = new RecordingAddon();
  const mac = platform('darwin');
  await assert.rejects(mac.recoverStale(addon), {
    message: 'system configuration is not supported on darwin yet',
  });
  assert.deepEqual(addon.calls, []);
});

test('tables in use, from `ip -j route show table all` output', () => {
  // Shape as printed by iproute2 6.x: main-table routes carry no "table".
  const json = JSON.stringify([
    { dst: 'default', dev: 'd0', table: '51820', scope: 'link', flags: [] },
    { dst: '10.0.0.0/24', dev: 'd0', protocol: 'kernel', scope: 'link', flags: [] },
    { type: 'local', dst: '10.0.0.2', dev: 'd0', table: 'local', flags: [] },
    { dst: 'fd00::/64', dev: 'd0', table: 'default', flags: [] },
    { dst: 'fd01::/64', dev: 'd0', table: 7, flags: [] },
  ]);
  assert.deepEqual(
    [...tablesFromIpJson(json)].sort((a, b) => a - b),
    [7, 253, 254, 255, 51820],
  );
  assert.deepEqual([...tablesFromIpJson('')], []);
  assert.deepEqual([...tablesFromIpJson('{"not":"a list"}')], []);
});
