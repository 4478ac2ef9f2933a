/**
 * A loggable view of a parsed config: everything needed to understand what a
 * tunnel will do, nothing secret. The private key is left out entirely and a
 * preshared key is only reported as present.
 */
import { formatEndpoint } from './endpoint.js';
import type { WgQuickConfig } from './types.js';

export interface ConfigSummary {
  file: string;
  interface: {
    addresses: string[];
    dns: string[];
    dnsSearch: string[];
    mtu: number | null;
    listenPort: number | null;
    fwmark: number | null;
  };
  peers: {
    publicKey: string;
    /** Named so the logger's key-based redaction does not hide a mere yes/no. */
    hasPsk: boolean;
    endpoint: string | null;
    allowedIps: string[];
    persistentKeepalive: number | null;
  }[];
  warnings: number;
}

export function redactedSummary(config: WgQuickConfig): ConfigSummary {
  const iface = config.interface;
  return {
    file: config.file,
    interface: {
      addresses: iface.addresses.map((a) => a.text),
      dns: [...iface.dns],
      dnsSearch: [...iface.dnsSearch],
      mtu: iface.mtu ?? null,
      listenPort: iface.listenPort ?? null,
      fwmark: iface.fwmark ?? null,
    },
    peers: config.peers.map((peer) => {
      const ep = peer.endpoint;
      return {
        publicKey: Buffer.from(peer.publicKey).toString('base64'),
        hasPsk: peer.presharedKey !== undefined,
        endpoint: ep ? formatEndpoint(ep) : null,
        allowedIps: [...peer.allowedIpsText],
        persistentKeepalive: peer.persistentKeepalive ?? null,
      };
    }),
    warnings: config.warnings.length,
  };
}

/** The most addresses or endpoints listed (the IPC schema's bound); `peers` stays exact. */
const LISTED = 64;

/**
 * What the UI may know about a profile: addresses and endpoints, never keys.
 * The profile store keeps it beside each profile, so listing never parses.
 */
export interface ProfileFacts {
  addresses: string[];
  endpoints: string[];
  peers: number;
  fullTunnel: boolean;
}

export function profileFacts(config: WgQuickConfig): ProfileFacts {
  const endpoints = config.peers.flatMap((p) => (p.endpoint ? [formatEndpoint(p.endpoint)] : []));
  return {
    addresses: config.interface.addresses.map((a) => a.text).slice(0, LISTED),
    endpoints: endpoints.slice(0, LISTED),
    peers: config.peers.length,
    fullTunnel: config.peers.some((p) => p.allowedIps.some((c) => c.prefixLength === 0)),
  };
}
