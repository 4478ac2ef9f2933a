/**
 * Where the app's files are, in development (`electron .` from the repo) and
 * packaged (app.asar under resources/). Pure, so both layouts are tested.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrayIcon } from '../tray-menu.js';

export interface AppPaths {
  /** file: URL of the renderer build directory, ending in "/": the window policy's app root. */
  appRoot: string;
  indexUrl: string;
  preload: string;
  /** The compiled helper entry; outside app.asar when packaged, so root can run it. */
  helperEntry: string;
  /** Linux: the launcher that pkexec and the systemd unit run (null in development). */
  helperLauncher: string | null;
  trayIconDir: string;
  appIcon: string;
}

export function appPaths(options: {
  /** app.getAppPath(): the repo root in development, .../resources/app.asar packaged. */
  appPath: string;
  packaged: boolean;
  /** process.resourcesPath. */
  resourcesPath: string;
  platform: NodeJS.Platform;
}): AppPaths {
  const { appPath, packaged, resourcesPath } = options;
  const p = options.platform === 'win32' ? path.win32 : path.posix;
  const renderer = p.join(appPath, 'dist', 'renderer');
  // Files listed in asarUnpack live beside the archive, in app.asar.unpacked.
  const unpacked = packaged ? `${appPath}.unpacked` : appPath;
  const icons = packaged
    ? p.join(resourcesPath, 'icons')
    : p.join(appPath, 'app', 'packaging', 'icons');
  return {
    appRoot: fileUrl(`${renderer}${p.sep}`, options.platform),
    indexUrl: fileUrl(p.join(renderer, 'index.html'), options.platform),
    preload: p.join(appPath, 'dist', 'preload', 'preload.cjs'),
    helperEntry: p.join(unpacked, 'dist', 'app', 'helper', 'main.js'),
    helperLauncher:
      packaged && options.platform === 'linux'
        ? p.join(resourcesPath, 'linux', 'slipstream-helper')
        : null,
    trayIconDir: p.join(icons, 'tray'),
    appIcon: p.join(icons, 'icon.png'),
  };
}

function fileUrl(file: string, platform: NodeJS.Platform): string {
  return pathToFileURL(file, { windows: platform === 'win32' }).href;
}

/**
 * The tray image for a state: 16 px with a 32 px `@2x` sibling, which
 * nativeImage picks up on HiDPI screens by itself.
 */
export function trayIconFile(dir: string, icon: TrayIcon): string {
  return path.join(dir, `${icon}.png`);
}
