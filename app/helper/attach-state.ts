/**
 * The state a GUI gets when it (re)attaches to the helper (getState). The
 * state machine only knows what this helper run did; a kill switch can
 * outlive the run that made it (a crash, a SIGKILL, a service restart: the
 * user never disconnected, so it fails closed and keeps blocking). A fresh
 * helper is then `disconnected` while nothing gets out, and "Not connected"
 * alone would hide why. This adds the block, from what the platform reports.
 */
import type { TunnelState } from '../../ipc/schema.js';

export const LEFTOVER_BLOCK_REASON =
  'The kill switch of an earlier connection is still blocking traffic outside the tunnel (the Slipstream service restarted while connected).';

export function attachState(state: TunnelState, killSwitchActive: boolean): TunnelState {
  if (state.status !== 'disconnected') return state;
  if (!killSwitchActive) {
    if (state.blocked === undefined) return state;
    return { status: 'disconnected', profileId: state.profileId };
  }
  return { ...state, blocked: { reason: LEFTOVER_BLOCK_REASON } };
}
