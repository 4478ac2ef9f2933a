/**
 * tray-menu.ts items → Electron menu template, as a pure function (the
 * `electron` import is type-only, so this runs in plain Node tests).
 *
 * On Linux the tray is a StatusNotifierItem (AppIndicator): the menu is
 * exported over D-Bus and a left click on the icon may never reach the app,
 * so every action must be reachable from this menu, status line included.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayItem } from '../tray-menu.js';

export function trayTemplate(
  items: readonly TrayItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'status':
        // Shown, not clickable; a disabled item is how menus show text.
        return { type: 'normal', label: menuLabel(item.label), enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return {
          type: 'normal',
          label: menuLabel(item.label),
          enabled: item.enabled,
          click: () => onAction(item.action),
        };
      case 'radio':
        return {
          type: 'radio',
          label: menuLabel(item.label),
          checked: item.checked,
          enabled: item.enabled,
          // Electron flips a radio item before calling click; the next menu
          // rebuild (on the state change) shows the truth either way.
          click: () => onAction(item.action),
        };
      case 'submenu':
        return {
          type: 'submenu',
          label: menuLabel(item.label),
          submenu: trayTemplate(item.items, onAction),
        };
    }
  });
}

/**
 * Profile names and error messages are user/server text: '&' would become a
 * mnemonic marker on Windows and Linux menus, so it is doubled; long text is
 * cut so the menu stays a menu.
 */
export function menuLabel(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const cut = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return cut.replace(/&/g, '&&');
}
