/**
 * The platform seam: what the tunnel needs from the operating system around
 * it (addresses, routes, DNS, cleanup after a crash), independent of how a
 * given OS does it.
 */
import { isIP } from 'node:net';
import type { NativeAddon } from '../native/types.js';
import type { Cidr } from '../tunnel/wireguard/types.js';

/** The subset of the app logger the platform code writes to. */
export interface PlatformLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** The interface being configured (a TunDevice satisfies it). */
export interface TunIdentity {
  readonly name: string;
  readonly ifindex: number;
}

/** The parts of a parsed wg-quick config that shape the system configuration. */
export interface TunnelConfigView {
  interface: {
    addresses: { address: Uint8Array; prefixLength: number; family: 4 | 6 }[];
    dns: string[];
    dnsSearch: string[];
    fwmark?: number;
  };
  peers: { allowedIps: Cidr[] }[];
}

export interface ConfigureOptions {
  mtu: number;
  log?: PlatformLogger;
  /** Where state files go; default $SLIPSTREAM_STATE_DIR or /run/slipstream. */
  stateDir?: string;
  /** Block all traffic outside the tunnel until teardown (see kill-switch.ts); null/absent = off. */
  killSwitch?: KillSwitchOptions | null;
  /**
   * The peers' resolved endpoints. Windows keeps them off a full tunnel with host routes
   * (it has no fwmark); Linux marks the tunnel's socket instead and ignores these.
   */
  endpoints?: PeerEndpoint[];
  /**
   * The path to the endpoints changed under a running tunnel (Windows: its endpoint
   * routes followed a moved default route): a good moment to handshake again.
   */
  onPathChange?: (reason: string) => void;
}

export interface PeerEndpoint {
  address: string;
  family: 4 | 6;
  port: number;
}

/** The endpoints a platform needs from what start-up resolved (IP literals by then). */
export function peerEndpoints(
  resolved: readonly ({ host: string; port: number } | undefined)[],
): PeerEndpoint[] {
  const out: PeerEndpoint[] = [];
  for (const e of resolved) {
    if (!e) continue;
    const family = isIP(e.host);
    if (family === 4 || family === 6) out.push({ address: e.host, family, port: e.port });
  }
  return out;
}

export interface KillSwitchOptions {
  /** Let the local networks (private ranges, link-local, local multicast) through. */
  allowLan: boolean;
}

export interface TeardownSummary {
  /** Changes undone, described. */
  undone: string[];
  /** Undo steps that failed; their record stays in the state file for the next start. */
  errors: string[];
  /** Changes deliberately left alone. */
  notes: string[];
}

export interface ConfiguredTunnel {
  readonly ifname: string;
  /** SO_MARK for the tunnel's UDP socket (0 = none). */
  readonly socketMark: number;
  /** Whether the kill switch is on (blocking everything outside the tunnel). */
  readonly killSwitch: boolean;
  /**
   * Undoes every change; safe to call twice (the second call returns the first result).
   * `keepKillSwitch` leaves the kill switch blocking (and in the journal): the helper
   * stopping while the user still wants the tunnel is not a disconnect.
   */
  teardown(options?: TeardownRequest): Promise<TeardownSummary>;
}

/** One cleaned-up earlier run, as plain fields for a log line. */
export interface StaleCleanup {
  ifname: string;
  pid: number;
  stateFile: string;
  undone: string[];
  linkDeleted: boolean;
  notes: string[];
  errors: string[];
  /** Left in place on purpose: a dead run's kill switch, kept blocking. */
  kept: string[];
}

export interface TeardownRequest {
  keepKillSwitch?: boolean;
}

export interface RecoverStaleOptions {
  stateDir?: string;
  /** Leave dead runs' kill switches blocking (a crash is not a disconnect). Default false. */
  keepKillSwitch?: boolean;
}

export interface Platform {
  configureTunnel(
    addon: NativeAddon,
    tun: TunIdentity,
    config: TunnelConfigView,
    options: ConfigureOptions,
  ): Promise<ConfiguredTunnel>;
  recoverStale(
    addon: NativeAddon,
    ifname?: string,
    options?: RecoverStaleOptions,
  ): Promise<StaleCleanup[]>;
  /** Whether a kill switch is blocking in this network namespace now (ours or a dead run's). */
  killSwitchActive(): Promise<boolean>;
}
