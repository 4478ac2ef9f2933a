/**
 * The main window and the session it runs in, with every policy from
 * window-policy.ts applied. Electron-only glue: kept thin, type-checked
 * against electron.d.ts, exercised where Electron can run.
 */
import { BrowserWindow, shell, type Session } from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  mayGrantPermission,
  mayNavigate,
  newWindowDecision,
} from '../window-policy.js';

/** Once per session: CSP on every response, and no permission ever granted. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  session.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(mayGrantPermission(permission)),
  );
  session.setPermissionCheckHandler((_wc, permission) => mayGrantPermission(permission));
}

export function createMainWindow(options: {
  preload: string;
  appRoot: string;
  indexUrl: string;
}): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 680,
    show: false,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!mayNavigate(url, options.appRoot)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!mayNavigate(url, options.appRoot)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = newWindowDecision(url);
    if (decision.openExternally) void shell.openExternal(decision.openExternally);
    return { action: decision.action };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.indexUrl);
  return win;
}
