/**
 * What only Electron can do for MainCore (core-api.ts ShellServices): open a
 * folder or the sign-in page, keep the sign-in in the OS keyring
 * (safe-storage-store.ts), and register start at login: Windows through the
 * login item API, Linux through an XDG autostart entry (autostart.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { app, shell } from 'electron';
import type { ShellServices } from '../core-api.js';
import { autostartDir, launchCommand, setLinuxAutostart } from './autostart.js';
import { safeStorageStore } from './safe-storage-store.js';

export function electronShellServices(): ShellServices {
  // Under `electron .` the binary is Electron itself and needs the app's path.
  const appArgs = app.isPackaged ? [] : [app.getAppPath()];
  // safeStorage is usable only once the app is ready; this runs after whenReady.
  const secrets = safeStorageStore(path.join(app.getPath('userData'), 'account'));
  return {
    shell: 'electron',
    version: app.getVersion(),
    secretStore: secrets.store,
    receivesDeepLinks: true,
    secretStoreNotice: secrets.notice,
    async openExternal(url) {
      // Only the identity provider's page: http(s), never a file or app scheme.
      if (!/^https?:\/\//i.test(url)) throw new Error('not a web address');
      await shell.openExternal(url);
    },
    async openPath(path) {
      const problem = await shell.openPath(path);
      if (problem) throw new Error(problem);
    },
    // A failure reaches setSettings, which keeps the old value and says so.
    async setStartAtLogin(enabled) {
      if (process.platform === 'linux') {
        await setLinuxAutostart(enabled, {
          dir: autostartDir(process.env, os.homedir()),
          exec: launchCommand(process.env, process.execPath),
          args: [...appArgs, '--hidden'],
        });
        return;
      }
      app.setLoginItemSettings({
        openAtLogin: enabled,
        path: process.execPath,
        args: [...appArgs, '--hidden'],
      });
    },
  };
}
