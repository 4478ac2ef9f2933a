/**
 * Pure planning of the system changes `wg-quick up` makes for an interface:
 * which MTU, addresses, routes, policy rules, sysctls and DNS settings, in
 * which order. No I/O happens here, so every decision is unit-testable; the
 * executor (apply.ts) only carries the steps out and records them.
 */
import { formatIp, maskToPrefix, parseIp } from '../../config/ip.js';
import type { Cidr } from '../../tunnel/wireguard/types.js';
import { KILL_SWITCH_SOCKET_MARK } from './kill-switch-rules.js';

export type IpFamily = 4 | 6;

/** wg-quick's first candidate for the policy-routing table (and fwmark) of a full tunnel. */
export const DEFAULT_POLICY_TABLE = 51820;
/** The kernel's main routing table, which the suppress rule looks up. */
export const MAIN_TABLE = 254;
/** Lets the tunnel's own (marked) UDP packets pass the kernel's reverse-path check. */
export const SRC_VALID_MARK = 'net.ipv4.conf.all.src_valid_mark';

export interface PlanAddress {
  /** Interface address with host bits kept (10.0.0.2 of 10.0.0.2/24). */
  address: Uint8Array;
  prefixLength: number;
  family: IpFamily;
}

export interface PlanInput {
  ifname: string;
  ifindex: number;
  mtu: number;
  addresses: PlanAddress[];
  peers: { allowedIps: Cidr[] }[];
  /** The config's FwMark; absent or 0 = none. */
  fwmark?: number;
  /** DNS server IP literals. */
  dns: string[];
  /** Search domains (wg-quick puts non-IP DNS entries here). */
  dnsSearch: string[];
  /**
   * Whether a routing table already holds routes. Used, as wg-quick does, to
   * skip policy tables another tunnel owns when no FwMark is configured.
   * Absent = every table is free.
   */
  tableInUse?: (table: number) => boolean;
  /** Block everything outside the tunnel (kill-switch-rules.ts); absent = no kill switch. */
  killSwitch?: { allowLan: boolean };
}

/**
 * One system change. Addresses are text so a step can be stored in the state
 * file as JSON and named in an error message as the user would write it.
 */
export type PlanStep =
  | { kind: 'mtu'; ifindex: number; mtu: number }
  | { kind: 'address'; ifindex: number; family: IpFamily; address: string; prefixLength: number }
  | { kind: 'link-up'; ifindex: number }
  | {
      kind: 'dns';
      ifname: string;
      servers: string[];
      search: string[];
      /** Send every lookup to the tunnel's servers (the tunnel carries the default route). */
      routeAllDomains: boolean;
    }
  | {
      kind: 'route';
      ifindex: number;
      family: IpFamily;
      dst: string;
      prefixLength: number;
      /** Absent = main table. */
      table?: number;
    }
  | {
      kind: 'rule';
      family: IpFamily;
      table: number;
      fwmark?: number;
      invert?: boolean;
      suppressPrefixLength?: number;
    }
  | { kind: 'sysctl'; key: string; value: string }
  | {
      kind: 'kill-switch';
      ifname: string;
      socketMark: number;
      allowLan: boolean;
      dns: string[];
    };

export type RouteStep = Extract<PlanStep, { kind: 'route' }>;
export type RuleStep = Extract<PlanStep, { kind: 'rule' }>;
export type KillSwitchStep = Extract<PlanStep, { kind: 'kill-switch' }>;

export interface NetworkPlan {
  ifname: string;
  ifindex: number;
  steps: PlanStep[];
  /** SO_MARK for the tunnel's UDP socket; 0 = none. */
  socketMark: number;
  /** Policy-routing table of a full tunnel, or null for a split tunnel. */
  table: number | null;
  fullTunnel: { ipv4: boolean; ipv6: boolean };
}

const IFNAME = /^[^\s/:]{1,15}$/;
// Search domains end up as command arguments and resolv.conf lines: no
// whitespace (a newline would inject a resolv.conf line) and no leading '-'
// (it would read as an option).
const SEARCH_DOMAIN = /^[A-Za-z0-9_~.][A-Za-z0-9_~.-]*$/;

function fail(problem: string): never {
  throw new Error(`invalid network plan input: ${problem}`);
}

function familyOf(bytes: Uint8Array): IpFamily | null {
  return bytes.length === 4 ? 4 : bytes.length === 16 ? 6 : null;
}

function checkPrefix(what: string, bytes: Uint8Array, prefixLength: number): IpFamily {
  const family = familyOf(bytes);
  if (!family) fail(`${what} has ${bytes.length} address bytes (expected 4 or 16)`);
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    fail(`${what} has prefix length ${prefixLength} (0..${max} for IPv${family})`);
  }
  return family;
}

function validate(input: PlanInput): void {
  if (typeof input.ifname !== 'string' || !IFNAME.test(input.ifname)) {
    fail(`interface name ${JSON.stringify(input.ifname)}`);
  }
  if (input.ifname === '.' || input.ifname === '..') fail(`interface name "${input.ifname}"`);
  if (!Number.isInteger(input.ifindex) || input.ifindex <= 0) fail(`ifindex ${input.ifindex}`);
  if (!Number.isInteger(input.mtu) || input.mtu < 68 || input.mtu > 65535) {
    fail(`MTU ${input.mtu} (68..65535)`);
  }
  if (input.fwmark !== undefined) {
    if (!Number.isInteger(input.fwmark) || input.fwmark < 0 || input.fwmark > 0xffffffff) {
      fail(`FwMark ${input.fwmark}`);
    }
  }
  for (const a of input.addresses) {
    const family = checkPrefix('an interface address', a.address, a.prefixLength);
    if (family !== a.family) fail(`address family ${a.family} does not match its bytes`);
  }
  for (const peer of input.peers) {
    for (const c of peer.allowedIps) checkPrefix('an AllowedIPs entry', c.address, c.prefixLength);
  }
  for (const server of input.dns) {
    if (!parseIp(server)) fail(`DNS server "${server}" is not an IP address`);
  }
  for (const domain of input.dnsSearch) {
    if (domain.length > 253 || !SEARCH_DOMAIN.test(domain)) {
      fail(`DNS search domain ${JSON.stringify(domain)}`);
    }
  }
}

interface Prefix {
  family: IpFamily;
  network: Uint8Array;
  prefixLength: number;
}

/** Whether `outer` contains every address of `inner`. */
function covers(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.prefixLength > inner.prefixLength) return false;
  const a = maskToPrefix(inner.network, outer.prefixLength);
  return a.every((byte, i) => byte === outer.network[i]);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The prefixes the kernel routes to the interface by itself once its
 * addresses are set: the connected route of each address (IPv4 only for
 * prefixes shorter than /32; IPv6 adds one for every prefix, /128 included).
 */
function connectedPrefixes(addresses: PlanAddress[]): Prefix[] {
  return addresses
    .filter((a) => a.family === 6 || a.prefixLength < 32)
    .map((a) => ({
      family: a.family,
      network: maskToPrefix(a.address, a.prefixLength),
      prefixLength: a.prefixLength,
    }));
}

/** Every AllowedIPs prefix once, longest first (as wg-quick's `sort -nr -k 2 -t /`). */
function uniquePrefixes(peers: PlanInput['peers']): Prefix[] {
  const seen = new Map<string, Prefix>();
  for (const peer of peers) {
    for (const cidr of peer.allowedIps) {
      const network = maskToPrefix(cidr.address, cidr.prefixLength);
      const family = cidr.address.length === 4 ? 4 : 6;
      const key = `${formatIp(network)}/${cidr.prefixLength}`;
      if (!seen.has(key)) seen.set(key, { family, network, prefixLength: cidr.prefixLength });
    }
  }
  return [...seen.values()].sort(
    (a, b) =>
      b.prefixLength - a.prefixLength || a.family - b.family || compareBytes(a.network, b.network),
  );
}

/** wg-quick's table choice: FwMark when configured, else the first free table from 51820. */
function choosePolicyTable(input: PlanInput): number {
  if (input.fwmark) return input.fwmark;
  let table = DEFAULT_POLICY_TABLE;
  while (input.tableInUse?.(table)) {
    table++;
    if (table > 0xffffffff) throw new Error('no free routing table for the full tunnel');
  }
  return table;
}

/**
 * wg-quick's full-tunnel scheme for one family. Everything not carrying mark
 * T is looked up in table T, whose only route is the tunnel's default; the
 * tunnel's own UDP packets carry mark T and so keep using the main table. The
 * suppress rule (evaluated first, because the kernel gives each new rule a
 * lower priority number) still honours every more specific route of the main
 * table, like the LAN's, and only ignores the main table's default route.
 */
function defaultRouteSteps(input: PlanInput, family: IpFamily, table: number): PlanStep[] {
  const steps: PlanStep[] = [
    { kind: 'rule', family, table, fwmark: table, invert: true },
    { kind: 'rule', family, table: MAIN_TABLE, suppressPrefixLength: 0 },
    {
      kind: 'route',
      ifindex: input.ifindex,
      family,
      dst: family === 4 ? '0.0.0.0' : '::',
      prefixLength: 0,
      table,
    },
  ];
  // Replies to the marked UDP socket arrive without the mark; the reverse-path
  // filter would drop them unless it may use the mark of the (connmarked)
  // flow. wg-quick sets this for IPv4 only: IPv6 has no rp_filter sysctl.
  if (family === 4) steps.push({ kind: 'sysctl', key: SRC_VALID_MARK, value: '1' });
  return steps;
}

/**
 * Plans `wg-quick up` for an interface that already exists. Order as
 * wg-quick: addresses, MTU and link up, DNS, then routes longest prefix
 * first, default routes (with their policy rules) last. The MTU goes first
 * (wg-quick sets it together with "up"): the kernel silently removes IPv6
 * addresses from a link whose MTU drops below 1280, so with the final MTU in
 * place such a config fails loudly at its IPv6 address instead.
 */
export function planNetwork(input: PlanInput): NetworkPlan {
  validate(input);
  const { ifindex } = input;
  const prefixes = uniquePrefixes(input.peers);
  const defaults = prefixes.filter((p) => p.prefixLength === 0);
  const fullTunnel = {
    ipv4: defaults.some((p) => p.family === 4),
    ipv6: defaults.some((p) => p.family === 6),
  };
  const table = fullTunnel.ipv4 || fullTunnel.ipv6 ? choosePolicyTable(input) : null;
  // wg-quick sets the device's fwmark to the table it picked, so the
  // tunnel's UDP packets skip the "not fwmark" rule; FwMark alone (split
  // tunnel) still marks the socket, as `wg setconf` would. The kill switch
  // lets the tunnel's UDP out by its mark, so it always needs one.
  const socketMark = table ?? (input.fwmark || (input.killSwitch ? KILL_SWITCH_SOCKET_MARK : 0));

  const steps: PlanStep[] = [];
  // First, so nothing leaves outside the tunnel while the rest comes up.
  if (input.killSwitch) {
    steps.push({
      kind: 'kill-switch',
      ifname: input.ifname,
      socketMark,
      allowLan: input.killSwitch.allowLan,
      dns: input.dns.map((s) => formatIp(parseIp(s)!.bytes)),
    });
  }
  steps.push({ kind: 'mtu', ifindex, mtu: input.mtu });

  const addressKeys = new Set<string>();
  for (const a of input.addresses) {
    const address = formatIp(a.address);
    const key = `${address}/${a.prefixLength}`;
    if (addressKeys.has(key)) continue;
    addressKeys.add(key);
    steps.push({
      kind: 'address',
      ifindex,
      family: a.family,
      address,
      prefixLength: a.prefixLength,
    });
  }
  steps.push({ kind: 'link-up', ifindex });

  // wg-quick only configures DNS when there is at least one server.
  if (input.dns.length > 0) {
    steps.push({
      kind: 'dns',
      ifname: input.ifname,
      servers: input.dns.map((s) => formatIp(parseIp(s)!.bytes)),
      search: [...input.dnsSearch],
      routeAllDomains: fullTunnel.ipv4 || fullTunnel.ipv6,
    });
  }

  // A prefix already reached through the interface (its own address's
  // connected route) is skipped, as wg-quick's `ip route show dev IF match`
  // check does; adding it again would fail with "File exists" for IPv4.
  const connected = connectedPrefixes(input.addresses);
  for (const p of prefixes) {
    if (p.prefixLength === 0) continue;
    if (connected.some((c) => covers(c, p))) continue;
    steps.push({
      kind: 'route',
      ifindex,
      family: p.family,
      dst: formatIp(p.network),
      prefixLength: p.prefixLength,
    });
  }

  if (table !== null) {
    if (fullTunnel.ipv4) steps.push(...defaultRouteSteps(input, 4, table));
    if (fullTunnel.ipv6) steps.push(...defaultRouteSteps(input, 6, table));
  }

  return { ifname: input.ifname, ifindex, steps, socketMark, table, fullTunnel };
}

/** Short description of a step for progress and error messages, in `ip` terms. */
export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'mtu':
      return `setting MTU ${step.mtu}`;
    case 'address':
      return `adding address ${step.address}/${step.prefixLength}`;
    case 'link-up':
      return 'bringing the link up';
    case 'dns':
      return `configuring DNS ${step.servers.join(' ')}`;
    case 'route':
      return `adding route ${step.dst}/${step.prefixLength}${step.table === undefined ? '' : ` table ${step.table}`}`;
    case 'rule':
      return `adding rule ${describeRule(step)}`;
    case 'sysctl':
      return `setting ${step.key}=${step.value}`;
    case 'kill-switch':
      return `turning the kill switch on${step.allowLan ? ' (LAN allowed)' : ''}`;
  }
}

/** A rule in `ip rule` words, e.g. "not fwmark 51820 table 51820". */
export function describeRule(rule: RuleStep): string {
  const parts: string[] = [];
  if (rule.fwmark !== undefined) parts.push(`${rule.invert ? 'not ' : ''}fwmark ${rule.fwmark}`);
  parts.push(`table ${rule.table === MAIN_TABLE ? 'main' : rule.table}`);
  if (rule.suppressPrefixLength !== undefined) {
    parts.push(`suppress_prefixlength ${rule.suppressPrefixLength}`);
  }
  return `${rule.family === 6 ? '-6 ' : ''}${parts.join(' ')}`;
}
