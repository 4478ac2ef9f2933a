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

/** The status word; a disconnected tunnel whose kill switch still blocks says so. */
export function statusLabel(state: TunnelState): string {
  if (state.status === 'disconnected' && state.blocked) return 'Blocked';
  return STATUS_LABELS[state.status];
}

/** A kill switch blocks with no tunnel up (an earlier run's): Disconnect lifts it. */
export function isBlockedWithoutTunnel(state: TunnelState | null): boolean {
  return state !== null && state.status === 'disconnected' && state.blocked !== undefined;
}

/** Statuses in which the tunnel is (being) up, so Disconnect applies and Connect does not. */
export function isActive(state: TunnelState | null): boolean {
  return (
    state !== null &&
    (state.status === 'connecting' ||
      state.status === 'connected' ||
      state.status === 'reconnecting')
  );
}
