/**
 * What to tell the user, decided from state transitions alone: a pure
 * function of (what was remembered, the state now, the time), shared by the
 * Electron main process (system notifications) and the renderer (an in-page
 * notice in the web harness), so both say the same thing at the same moments.
 *
 * One notice per episode, never a storm:
 * - "connection lost, reconnecting" when a connected tunnel starts
 *   reconnecting; the attempts that follow say nothing;
 * - "reconnected" when that episode ends connected (an episode ended by the
 *   user or an error says nothing: the window shows that);
 * - a tunnel that flaps (lost again within FLAP_MS of being reconnected)
 *   starts a silent episode, whose end is silent too;
 * - "traffic blocked" when the kill switch starts blocking, once until it
 *   stops (it replaces the "lost" notice when both start together);
 * - "sign-in about to expire" once per expiry time, EXPIRY_WARNING_MS ahead.
 * The first state seen (a GUI attaching to a helper) is a starting point,
 * not a transition: it says nothing.
 */
import type { TunnelState } from './schema.js';

export const FLAP_MS = 60_000;
export const EXPIRY_WARNING_MS = 10 * 60_000;
const SAME_EXPIRY_MS = 60_000;

export interface NotifyInput {
  tunnel: TunnelState;
  /** From the kill switch, where there is one. */
  killSwitch?: { blocking: boolean };
  /** When the company sign-in ends (ms since the epoch), if signed in and known. */
  signInExpiresAt?: number | null;
}

export type NoticeKind = 'connection-lost' | 'reconnected' | 'traffic-blocked' | 'sign-in-expiring';

export interface Notice {
  kind: NoticeKind;
  title: string;
  body: string;
}

export interface NotifyMemory {
  status: TunnelState['status'] | null;
  /** A lost-connection episode is under way; `silent` when it started as a flap. */
  episode: { silent: boolean } | null;
  lastReconnectedAt: number | null;
  blocking: boolean;
  warnedExpiry: number | null;
}

export const initialNotifyMemory: NotifyMemory = {
  status: null,
  episode: null,
  lastReconnectedAt: null,
  blocking: false,
  warnedExpiry: null,
};

export function decideNotifications(
  memory: NotifyMemory,
  input: NotifyInput,
  now: number,
): { memory: NotifyMemory; notices: Notice[] } {
  const notices: Notice[] = [];
  const next: NotifyMemory = { ...memory, status: input.tunnel.status };
  const first = memory.status === null;
  const status = input.tunnel.status;

  // Kill switch first: when it starts blocking together with a loss, its notice says both.
  // The tunnel state says when a kill switch blocks: reconnecting with the switch on, or
  // disconnected with an earlier run's block left in place (a service restart).
  const t = input.tunnel;
  const blocking =
    input.killSwitch?.blocking ??
    ((t.status === 'reconnecting' && t.blocking) ||
      (t.status === 'disconnected' && t.blocked !== undefined));
  let lossTold = false;
  if (blocking && !memory.blocking && !first) {
    const reconnecting = status === 'reconnecting' || status === 'connecting';
    notices.push({
      kind: 'traffic-blocked',
      title: 'Traffic is blocked',
      body: reconnecting
        ? 'The VPN connection was lost. Slipstream is reconnecting; until it is back, traffic outside the tunnel is blocked.'
        : 'The kill switch is blocking traffic outside the tunnel until the VPN is connected.',
    });
    lossTold = true;
  }
  // An error state says nothing about the block (main's own "lost contact with the
  // service" is one): keep what was known, so a helper restart does not tell it again.
  next.blocking = status === 'error' ? memory.blocking : blocking;

  if (!first && memory.status === 'connected' && status === 'reconnecting') {
    const flapping = memory.lastReconnectedAt !== null && now - memory.lastReconnectedAt < FLAP_MS;
    next.episode = { silent: flapping };
    if (!flapping && !lossTold) {
      const reason = input.tunnel.status === 'reconnecting' ? input.tunnel.reason : '';
      notices.push({
        kind: 'connection-lost',
        title: 'VPN connection lost',
        body: reason ? `Reconnecting (${reason})…` : 'Reconnecting…',
      });
    }
  } else if (memory.episode && status === 'connected') {
    if (!memory.episode.silent)
      notices.push({
        kind: 'reconnected',
        title: 'VPN reconnected',
        body: 'The tunnel is back; traffic goes through the VPN again.',
      });
    next.episode = null;
    next.lastReconnectedAt = now;
  } else if (memory.episode && status !== 'reconnecting' && status !== 'connecting') {
    // Ended by the user (disconnect) or by an error the window shows: nothing to add.
    next.episode = null;
  }

  const expiresAt = input.signInExpiresAt ?? null;
  // The end is "now + lifetime in whole seconds" at every renewal, so the same end moves
  // by a second or so each time: within a minute of the warned one it is the same end.
  const sameEnd =
    expiresAt !== null &&
    memory.warnedExpiry !== null &&
    Math.abs(expiresAt - memory.warnedExpiry) < SAME_EXPIRY_MS;
  if (expiresAt === null) {
    next.warnedExpiry = null;
  } else if (sameEnd) {
    next.warnedExpiry = expiresAt; // follows the drift, so it never adds up to a "new" end
  } else if (!sameEnd && expiresAt > now && expiresAt - now <= EXPIRY_WARNING_MS) {
    const minutes = Math.max(1, Math.round((expiresAt - now) / 60_000));
    notices.push({
      kind: 'sign-in-expiring',
      title: 'Sign-in about to expire',
      body: `Your company sign-in ends in about ${minutes} minute${minutes === 1 ? '' : 's'}. Sign in again to stay connected.`,
    });
    next.warnedExpiry = expiresAt;
  }
  return { memory: next, notices };
}
