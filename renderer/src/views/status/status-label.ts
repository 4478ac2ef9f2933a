/** The one or two words the status line shows for each tunnel status. */
import type { TunnelState } from '../../../../ipc/schema.js';

export const STATUS_LABELS: Record<TunnelState['status'], string> = {
  'signed-out': 'Signed out',
  disconnected: 'Disconnected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  error: 'Error',
};

/** Statuses in which the tunnel is (being) up, so Disconnect applies and Connect does not. */
export function isActive(state: TunnelState | null): boolean {
  return (
    state !== null &&
    (state.status === 'connecting' ||
      state.status === 'connected' ||
      state.status === 'reconnecting')
  );
}
