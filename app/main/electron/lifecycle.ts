/**
 * The tray app's lifecycle decisions, pure: closing the window hides it (the
 * app lives in the tray) unless the app is quitting, and quitting takes the
 * tunnel down only when the user asked for that in the settings.
 */
import type { Settings, TunnelState } from '../../../ipc/schema.js';

export function onWindowClose(quitting: boolean): 'hide' | 'close' {
  return quitting ? 'close' : 'hide';
}

export function disconnectOnQuit(settings: Settings, state: TunnelState): boolean {
  if (settings.keepTunnelWhenWindowCloses) return false;
  return (
    state.status === 'connected' || state.status === 'connecting' || state.status === 'reconnecting'
  );
}

/** Started by the login item / autostart entry: stay in the tray, no window. */
export function startHidden(argv: readonly string[]): boolean {
  return argv.includes('--hidden');
}
