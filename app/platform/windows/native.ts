/**
 * The native boundary of Windows system configuration: every IP Helper,
 * registry and WFP call the platform layer makes goes through this interface
 * (native/src/windows/netconfig_windows.cc implements it in the addon). Tests
 * substitute a recording fake and check the exact call sequence on any OS.
 * Addresses are canonical text ("10.0.0.2", "fd00::1"); every call throws an
 * Error naming the Win32 call and error on failure.
 */
import type { NativeAddon } from '../../native/types.js';

export type Family = 4 | 6;

export interface WinRoute {
  ifindex: number;
  family: Family;
  /** Network address of the destination prefix. */
  dst: string;
  prefixLength: number;
  /** Gateway; absent = on-link (the tunnel). */
  nextHop?: string;
  metric: number;
}

export interface WinDnsRegistryBackup {
  nameServer: string;
  searchList: string;
}

export interface KillSwitchSpec {
  tunnelIfindex: number;
  /** The tunnel's own UDP port (0 = any local port), permitted on every interface. */
  udpPort: number;
  /** Peer endpoints the tunnel's UDP may reach outside the tunnel. */
  endpoints: { address: string; family: Family; port: number }[];
  /** Permit RFC 1918 / link-local / ULA traffic outside the tunnel. */
  allowLan: boolean;
}

export interface WinNetApi {
  /** SetIpInterfaceEntry: NlMtu of one address family of the interface. */
  setMtu(ifindex: number, family: Family, mtu: number): void;
  /** CreateUnicastIpAddressEntry / DeleteUnicastIpAddressEntry. */
  addAddress(ifindex: number, family: Family, address: string, prefixLength: number): void;
  deleteAddress(ifindex: number, family: Family, address: string, prefixLength: number): void;
  /** CreateIpForwardEntry2 / DeleteIpForwardEntry2. */
  addRoute(route: WinRoute): void;
  deleteRoute(route: WinRoute): void;
  /**
   * The most specific, then lowest-metric, route towards `address` in the table,
   * ignoring `excludeIfindex`, and `ignore` (the tunnel's own host route to that
   * address, on `ifindex` via `nextHop`) when given; null when there is none.
   */
  bestRoute(
    family: Family,
    address: string,
    excludeIfindex: number,
    ignore?: { ifindex: number; nextHop: string },
  ): { ifindex: number; nextHop: string } | null;
  /**
   * SetInterfaceDnsSettings (Windows 10 2004+). Returns false when the API is
   * missing (older Windows): the caller then uses the registry.
   */
  setDnsSettings(ifindex: number, servers: string[], search: string[]): boolean;
  /** The interface's Tcpip(6) registry NameServer/SearchList, replaced; returns the old values. */
  setDnsRegistry(
    ifindex: number,
    family: Family,
    servers: string[],
    search: string[],
  ): WinDnsRegistryBackup;
  restoreDnsRegistry(ifindex: number, family: Family, backup: WinDnsRegistryBackup): void;
  /** An NRPT rule (DnsPolicyConfig\<name>) sending `namespace` to `servers`. */
  addNrptRule(name: string, namespace: string, servers: string[]): void;
  /** Deleting a rule that is not there is not an error. */
  deleteNrptRule(name: string): void;
  /** Slipstream's WFP provider + sublayer with the kill-switch filters (persistent). */
  installKillSwitch(spec: KillSwitchSpec): void;
  /** Deletes the sublayer and every filter in it; nothing there is not an error. */
  removeKillSwitch(): void;
}

const METHODS = [
  'setMtu',
  'addAddress',
  'deleteAddress',
  'addRoute',
  'deleteRoute',
  'bestRoute',
  'setDnsSettings',
  'setDnsRegistry',
  'restoreDnsRegistry',
  'addNrptRule',
  'deleteNrptRule',
  'installKillSwitch',
  'removeKillSwitch',
] as const;

/** Win32 error codes the platform layer acts on; the addon's errors carry them in `errno`. */
export const ERROR_NOT_FOUND = 1168;
export const ERROR_OBJECT_ALREADY_EXISTS = 5010;

/** The Win32 error code of an error the addon threw, or undefined. */
export function win32Code(err: unknown): number | undefined {
  const code = (err as { errno?: unknown } | null)?.errno;
  return typeof code === 'number' ? code : undefined;
}

/** The addon's `winNet` object; throws a clear error when this addon has none (not Windows). */
export function winNetFromAddon(addon: NativeAddon): WinNetApi {
  const api = (addon as { winNet?: Partial<WinNetApi> }).winNet;
  const missing = api ? METHODS.filter((m) => typeof api[m] !== 'function') : [...METHODS];
  if (!api || missing.length > 0) {
    throw new Error(
      `this build of the native addon has no Windows network configuration (missing: ${missing.join(', ')})`,
    );
  }
  return api as WinNetApi;
}
