/**
 * System notifications for the notices main decides on (app/main/notifier.ts):
 * the thin Electron part. Where the desktop has no notification service,
 * nothing is shown; the window says the same.
 */
import { Notification } from 'electron';
import type { MainCore } from '../core-api.js';
import { notifyFromCore } from '../notifier.js';

export function showNotifications(core: MainCore, iconPath?: string): () => void {
  return notifyFromCore(core, (notice) => {
    if (!Notification.isSupported()) return;
    new Notification({
      title: notice.title,
      body: notice.body,
      ...(iconPath ? { icon: iconPath } : {}),
    }).show();
  });
}
