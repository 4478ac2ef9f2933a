/**
 * The tray menu as a pure function of the tunnel state and the profiles
 * (issue 4 §5). The Electron glue turns these items into a Menu; keeping the
 * decisions here makes them testable without Electron.
 */
import type { ProfileSummary, TunnelState } from '../../ipc/schema.js';

export type TrayAction =
  | { kind: 'connect'; profileId: string }
  | { kind: 'disconnect' }
  | { kind: 'show-window' }
  | { kind: 'sign-in' }
  | { kind: 'sign-out' }
  | { kind: 'open-logs' }
  | { kind: 'quit' };

export type TrayItem =
  | { type: 'status'; label: string }
  | { type: 'separator' }
  | { type: 'action'; label: string; enabled: boolean; action: TrayAction }
  | { type: 'submenu'; label: string; items: TrayItem[] }
  | { type: 'radio'; label: string; checked: boolean; enabled: boolean; action: TrayAction };

export type TrayIcon = 'disconnected' | 'connecting' | 'connected' | 'error';

export function trayIcon(state: TunnelState): TrayIcon {
  switch (state.status) {
    case 'connected':
      return 'connected';
    case 'connecting':
    case 'reconnecting':
      return 'connecting';
    case 'error':
      return 'error';
    default:
      return 'disconnected';
  }
}

export function statusLine(state: TunnelState, profiles: readonly ProfileSummary[]): string {
  const name = (id: string | null) => profiles.find((p) => p.id === id)?.name ?? 'VPN';
  switch (state.status) {
    case 'signed-out':
      return 'Signed out';
    case 'disconnected':
      return 'Disconnected';
    case 'connecting':
      return `Connecting to ${name(state.profileId)}…`;
    case 'connected':
      return `Connected to ${name(state.profileId)}`;
    case 'reconnecting':
      return `Reconnecting to ${name(state.profileId)} (attempt ${state.attempt})…`;
    case 'error':
      return `Error: ${state.message}`;
  }
}

export function trayMenu(state: TunnelState, profiles: readonly ProfileSummary[]): TrayItem[] {
  const signedIn = state.status !== 'signed-out';
  const active = signedIn ? state.profileId : null;
  const busy = state.status === 'connecting' || state.status === 'reconnecting';
  const up = state.status === 'connected' || busy;
  const selected = active ?? profiles[0]?.id ?? null;
  const items: TrayItem[] = [
    { type: 'status', label: statusLine(state, profiles) },
    { type: 'separator' },
  ];
  if (signedIn) {
    if (up) {
      items.push({
        type: 'action',
        label: 'Disconnect',
        enabled: true,
        action: { kind: 'disconnect' },
      });
    } else {
      items.push({
        type: 'action',
        label: state.status === 'error' && state.retryable ? 'Retry' : 'Connect',
        enabled: selected !== null,
        action: { kind: 'connect', profileId: selected ?? '' },
      });
    }
    if (profiles.length > 0) {
      items.push({
        type: 'submenu',
        label: 'Profile',
        items: profiles.map((p) => ({
          type: 'radio' as const,
          label: p.name,
          checked: p.id === selected,
          // Switching while connecting would race the attempt in flight.
          enabled: !busy,
          action: { kind: 'connect' as const, profileId: p.id },
        })),
      });
    }
  }
  items.push(
    { type: 'separator' },
    { type: 'action', label: 'Show Slipstream', enabled: true, action: { kind: 'show-window' } },
    signedIn
      ? { type: 'action', label: 'Sign out', enabled: true, action: { kind: 'sign-out' } }
      : { type: 'action', label: 'Sign in…', enabled: true, action: { kind: 'sign-in' } },
    { type: 'action', label: 'Open logs', enabled: true, action: { kind: 'open-logs' } },
    { type: 'separator' },
    { type: 'action', label: 'Quit', enabled: true, action: { kind: 'quit' } },
  );
  return items;
}
