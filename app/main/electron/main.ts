/**
 * The Electron entry (package.json "main": dist/app/main/electron/main.js):
 * one instance per user, a tray that outlives the window, and MainCore
 * hosted behind the schema's IPC channels. Everything with a decision in it
 * lives in plain modules next to this one; this file only wires Electron.
 */
import { app, BrowserWindow, dialog, session } from 'electron';
import type { MainCore } from '../core-api.js';
import { startMainCore } from '../core.js';
import type { TrayAction } from '../tray-menu.js';
import { appPaths } from './app-paths.js';
import {
  describeDeepLink,
  findDeepLink,
  parseDeepLink,
  PROTOCOL,
  type DeepLink,
} from './deep-link.js';
import { forwardEvents, handleCommands } from './ipc-bridge.js';
import { disconnectOnQuit, onWindowClose, startHidden } from './lifecycle.js';
import { showNotifications } from './notifications.js';
import { electronShellServices } from './shell-services.js';
import { createTray } from './tray.js';
import { createMainWindow, hardenSession } from './window.js';

function report(what: string, err: unknown): void {
  console.error(`slipstream: ${what}:`, err instanceof Error ? err.message : err);
}

function registerProtocol(): void {
  // Under `electron .` the handler must start Electron with the app's path.
  const ok =
    process.defaultApp && process.argv[1]
      ? app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [process.argv[1]])
      : app.setAsDefaultProtocolClient(PROTOCOL);
  if (!ok) report('could not register slipstream:// links', 'refused by the system');
}

function runApp(): void {
  // A second launch (or a slipstream:// link) goes to the running instance.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const paths = appPaths({
    appPath: app.getAppPath(),
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    platform: process.platform,
  });
  let core: MainCore | null = null;
  let win: BrowserWindow | null = null;
  // Held here: a Tray nothing references can be garbage-collected and vanish.
  let tray: { dispose(): void } | null = null;
  let quitting = false;
  let cleanedUp = false;
  // A sign-in answer through slipstream://signin/callback (when no loopback listener was possible).
  const handleDeepLink = (link: DeepLink) => {
    if (!core?.handleDeepLink(link.url))
      console.info('slipstream: deep link not expected now', describeDeepLink(link));
  };

  const showWindow = () => {
    if (!win || win.isDestroyed()) {
      win = createMainWindow({
        preload: paths.preload,
        appRoot: paths.appRoot,
        indexUrl: paths.indexUrl,
      });
      win.on('close', (event) => {
        if (onWindowClose(quitting) === 'hide') {
          event.preventDefault();
          win?.hide();
        }
      });
      win.on('closed', () => {
        win = null;
      });
      return; // createMainWindow shows it once it is ready
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  app.on('second-instance', (_event, argv) => {
    const link = findDeepLink(argv);
    if (link) handleDeepLink(link);
    if (app.isReady()) showWindow();
  });
  // macOS delivers links this way; harmless elsewhere.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = parseDeepLink(url);
    if (link) handleDeepLink(link);
  });
  // The app lives in the tray: no window is no reason to quit.
  app.on('window-all-closed', () => {});

  app.on('before-quit', (event) => {
    quitting = true;
    if (cleanedUp || !core) return;
    // Once: maybe take the tunnel down, close the helper link, then quit for real.
    event.preventDefault();
    cleanedUp = true;
    const c = core;
    void (async () => {
      try {
        const settings = await c.client.getSettings({});
        if (disconnectOnQuit(settings, c.state)) await c.client.disconnect({});
      } catch (err) {
        report('could not disconnect before quitting', err);
      }
      await c.close().catch((err: unknown) => report('could not close cleanly', err));
      tray?.dispose();
      app.quit();
    })();
  });

  const onTrayAction = (action: TrayAction) => {
    const c = core;
    if (!c) return;
    const run = (what: string, p: Promise<unknown>) =>
      void p.catch((e: unknown) => report(what, e));
    switch (action.kind) {
      case 'connect':
        return run('connect', c.client.connect({ profileId: action.profileId }));
      case 'disconnect':
        return run('disconnect', c.client.disconnect({}));
      case 'sign-out':
        return run('sign out', c.client.signOut({}));
      case 'open-logs':
        return run('open logs', c.client.openLogFolder({}));
      case 'sign-in': // the portal address is asked for in the window
      case 'show-window':
        return showWindow();
      case 'quit':
        return app.quit();
    }
  };

  registerProtocol();
  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession);
    try {
      core = await startMainCore({
        services: electronShellServices(),
        userDataDir: app.getPath('userData'),
        // Packaged, the helper runs from app.asar.unpacked (root cannot use a
        // file inside the archive); pkexec runs the Linux launcher, which sets
        // ELECTRON_RUN_AS_NODE itself (pkexec clears the environment).
        helper: {
          entry: paths.helperEntry,
          execPath: process.execPath,
          env: { ELECTRON_RUN_AS_NODE: '1' },
          ...(paths.helperLauncher ? { pkexecCommand: paths.helperLauncher } : {}),
        },
      });
    } catch (err) {
      dialog.showErrorBox(
        'Slipstream cannot start',
        err instanceof Error ? err.message : String(err),
      );
      app.exit(1);
      return;
    }
    handleCommands(core, paths.appRoot);
    forwardEvents(core, () => win);
    showNotifications(core);
    tray = createTray(core, paths.trayIconDir, onTrayAction);
    const link = findDeepLink(process.argv);
    if (link) handleDeepLink(link);
    if (!startHidden(process.argv)) showWindow();
  });
}

// The helper service runs dist/app/helper/service-main.js with Electron's Node
// (installer.nsh), never this app. A service registered by an older installer
// (`Slipstream.exe --helper-service`) must not start the whole app as LocalSystem.
if (process.argv.includes('--helper-service')) {
  console.error('slipstream: the helper service is registered the old way; reinstall Slipstream');
  app.exit(2);
} else runApp();
