/**
 * Whether a tunnel gets the kill switch: a pure decision shared by the CLI
 * and the helper. As WireGuard for Windows does, a full-tunnel profile (one
 * whose AllowedIPs include 0.0.0.0/0 or ::/0) gets it by default: its user
 * asked for all traffic to go through the tunnel. A split tunnel only gets
 * it when asked. An explicit choice always wins.
 */
import type { Cidr } from '../tunnel/wireguard/types.js';
import type { KillSwitchOptions } from './types.js';

export interface KillSwitchInput {
  peers: readonly { allowedIps: readonly Cidr[] }[];
  /** The user's choice (--kill-switch / --no-kill-switch, a profile setting); null = default. */
  setting: boolean | null;
  allowLan: boolean;
}

export interface KillSwitchDecision {
  /** The options to configure with, or null for no kill switch. */
  options: KillSwitchOptions | null;
  /** Why, for the log and the UI. */
  reason: string;
  /**
   * The tunnel carries no IPv6 default route while the kill switch is on: IPv6
   * outside the tunnel is blocked, not leaked (an IPv4-only full tunnel).
   */
  blocksIpv6: boolean;
}

export function isFullTunnel(peers: KillSwitchInput['peers']): { ipv4: boolean; ipv6: boolean } {
  const all = peers.flatMap((p) => p.allowedIps).filter((c) => c.prefixLength === 0);
  return {
    ipv4: all.some((c) => c.address.length === 4),
    ipv6: all.some((c) => c.address.length === 16),
  };
}

export function decideKillSwitch(input: KillSwitchInput): KillSwitchDecision {
  const full = isFullTunnel(input.peers);
  const fullTunnel = full.ipv4 || full.ipv6;
  let on: boolean;
  let reason: string;
  if (input.setting === true) {
    on = true;
    reason = 'turned on';
  } else if (input.setting === false) {
    on = false;
    reason = 'turned off';
  } else {
    on = fullTunnel;
    reason = fullTunnel ? 'on by default for a full tunnel' : 'off by default for a split tunnel';
  }
  return {
    options: on ? { allowLan: input.allowLan } : null,
    reason,
    blocksIpv6: on && !full.ipv6,
  };
}
