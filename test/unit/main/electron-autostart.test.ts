// test-platform: linux-only: the XDG autostart entry
// Linux start-at-login: the XDG autostart entry's text, where it goes, and writing/removing it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { requireCommands } from '../../harness/system-packages.js';
import {
  autostartDesktopEntry,
  autostartDir,
  launchCommand,
  quoteExecArg,
  setLinuxAutostart,
} from '../../../app/main/electron/autostart.js';

test('the entry starts the app hidden, with the spec’s keys', () => {
  const text = autostartDesktopEntry({ exec: '/opt/Slipstream/slipstream' });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '[Desktop Entry]');
  assert.ok(lines.includes('Type=Application'));
  assert.ok(lines.includes('Name=Slipstream'));
  assert.ok(lines.includes('Exec=/opt/Slipstream/slipstream --hidden'));
  assert.ok(lines.includes('X-GNOME-Autostart-enabled=true'));
  assert.ok(text.endsWith('\n'));
});

test('Exec arguments are quoted and escaped per the Desktop Entry spec', () => {
  assert.equal(quoteExecArg('/usr/bin/app'), '/usr/bin/app');
  assert.equal(quoteExecArg('/home/a b/S.AppImage'), '"/home/a b/S.AppImage"');
  // `$` and `"` get a backslash inside quotes; then the string escape doubles backslashes.
  assert.equal(quoteExecArg('/x/$HOME"q'), '"/x/\\\\$HOME\\\\"q"');
  assert.equal(quoteExecArg('/x/50%'), '/x/50%%');
  assert.equal(quoteExecArg(''), '""');
  assert.throws(() => quoteExecArg('a\nb'));
});

test('desktop-file-validate accepts the entry', async () => {
  requireCommands('desktop-file-validate');
  {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'autostart-'));
    try {
      await setLinuxAutostart(true, { dir, exec: '/home/a b/Slipstream $1.AppImage' });
      const r = spawnSync('desktop-file-validate', [path.join(dir, 'slipstream.desktop')], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout.trim(), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});

test('the directory follows XDG_CONFIG_HOME when absolute', () => {
  assert.equal(autostartDir({}, '/home/u'), '/home/u/.config/autostart');
  assert.equal(autostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/u'), '/cfg/autostart');
  assert.equal(autostartDir({ XDG_CONFIG_HOME: 'rel' }, '/home/u'), '/home/u/.config/autostart');
});

test('an AppImage autostarts the .AppImage file, not its temporary mount', () => {
  assert.equal(
    launchCommand({ APPIMAGE: '/home/u/S.AppImage' }, '/tmp/.mount_x/s'),
    '/home/u/S.AppImage',
  );
  assert.equal(launchCommand({}, '/opt/Slipstream/slipstream'), '/opt/Slipstream/slipstream');
});

test('enable writes the file (creating the directory), disable removes it, twice is fine', async () => {
  const home = await mkdtemp(path.join(os.tmpdir(), 'autostart-'));
  const dir = path.join(home, '.config', 'autostart');
  const file = path.join(dir, 'slipstream.desktop');
  try {
    await setLinuxAutostart(true, { dir, exec: '/opt/Slipstream/slipstream' });
    assert.equal(
      await readFile(file, 'utf8'),
      autostartDesktopEntry({ exec: '/opt/Slipstream/slipstream' }),
    );
    await setLinuxAutostart(false, { dir, exec: 'x' });
    assert.equal(existsSync(file), false);
    await setLinuxAutostart(false, { dir, exec: 'x' });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
