/**
 * The parsed form of a wg-quick `.conf` file. Keys are raw bytes, addresses
 * are parsed, and every value keeps the line it came from so later stages
 * (name resolution, system configuration) can point at the offending line.
 */
import type { Cidr } from '../tunnel/wireguard/types.js';

/** An interface address; host bits are kept (10.0.0.2/24 stays 10.0.0.2/24). */
export interface AddressConfig {
  address: Uint8Array;
  prefixLength: number;
  family: 4 | 6;
  /** Canonical `address/prefix` text. */
  text: string;
}

export interface EndpointConfig {
  /** IP literal in canonical form, or a host name; never bracketed. */
  host: string;
  port: number;
  line: number;
  isIpLiteral: boolean;
}

export interface PeerSection {
  /** Line of the `[Peer]` header. */
  line: number;
  publicKey: Uint8Array;
  presharedKey?: Uint8Array;
  endpoint?: EndpointConfig;
  /** Networks routed to this peer; host bits cleared, as `wg` does. */
  allowedIps: Cidr[];
  /** Canonical text of `allowedIps`, same order. */
  allowedIpsText: string[];
  /** Seconds; absent when off (0 or "off"). */
  persistentKeepalive?: number;
}

export interface InterfaceSection {
  /** Line of the `[Interface]` header. */
  line: number;
  privateKey: Uint8Array;
  addresses: AddressConfig[];
  /** DNS servers: IP literals in canonical form. */
  dns: string[];
  /** Non-IP DNS entries, which wg-quick treats as search domains. */
  dnsSearch: string[];
  mtu?: number;
  /** 0 = any free port. */
  listenPort?: number;
  /** Absent when off (0 or "off"). */
  fwmark?: number;
}

export interface ConfigWarning {
  file: string;
  line: number;
  message: string;
}

export interface WgQuickConfig {
  file: string;
  interface: InterfaceSection;
  peers: PeerSection[];
  warnings: ConfigWarning[];
}
