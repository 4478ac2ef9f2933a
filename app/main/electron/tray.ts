/**
 * The tray icon and its menu, rebuilt from tray-menu.ts whenever MainCore's
 * state or profiles change. On Linux Electron shows a StatusNotifierItem
 * (AppIndicator); GNOME needs the AppIndicator extension to show it at all,
 * clicks on the icon may never arrive and tooltips are not shown, which is
 * why every action, the status line included, is in the menu.
 */
import { Menu, nativeImage, Tray } from 'electron';
import type { MainCore } from '../core-api.js';
import { statusLine, trayIcon, trayMenu, type TrayAction } from '../tray-menu.js';
import { trayIconFile } from './app-paths.js';
import { trayTemplate } from './tray-template.js';

export function createTray(
  core: MainCore,
  iconDir: string,
  onAction: (action: TrayAction) => void,
): { dispose(): void } {
  const image = (state: ReturnType<typeof trayIcon>) =>
    nativeImage.createFromPath(trayIconFile(iconDir, state));
  let shownIcon = trayIcon(core.state);
  const tray = new Tray(image(shownIcon));
  let shownMenu = '';
  const refresh = () => {
    const icon = trayIcon(core.state);
    if (icon !== shownIcon) {
      shownIcon = icon;
      tray.setImage(image(icon));
    }
    // The state event comes every second while connected (counters); the
    // menu only changes with the status, and re-exporting an unchanged menu
    // makes an open Linux menu flicker, so it is rebuilt only on change.
    const items = trayMenu(core.state, core.profiles);
    const key = JSON.stringify(items);
    if (key === shownMenu) return;
    shownMenu = key;
    tray.setToolTip(`Slipstream: ${statusLine(core.state, core.profiles)}`);
    tray.setContextMenu(Menu.buildFromTemplate(trayTemplate(items, onAction)));
  };
  refresh();
  const off = core.onChange(refresh);
  // Windows: a left click opens the window (the menu is on the right click).
  tray.on('click', () => onAction({ kind: 'show-window' }));
  return {
    dispose() {
      off();
      tray.destroy();
    },
  };
}
