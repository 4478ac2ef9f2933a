/**
 * The Linux kill switch as an nftables ruleset: pure text generation, so
 * every rule is unit-tested and the whole file can be checked with
 * `nft --check` before it is ever loaded.
 *
 * One table of our own (`inet slipstream`, both IP families), two base
 * chains with policy drop: `output` (this machine's own traffic) and
 * `forward` (containers and VMs routed through it, which would otherwise
 * leave by the physical interface). Incoming packets are not filtered: a
 * reply to them is output and meets the same rules.
 *
 * The script replaces any table of that name in one transaction (`nft -f`
 * applies a file atomically), so a kill switch left by a crashed run is
 * swapped for the new one without a moment where nothing blocks.
 */
import { formatIp, parseIp } from '../../config/ip.js';

export const KILL_SWITCH_TABLE = 'slipstream';
export const KILL_SWITCH_FAMILY = 'inet';

/** SO_MARK for the tunnel's UDP socket when nothing else (FwMark, a policy table) sets one. */
export const KILL_SWITCH_SOCKET_MARK = 0x736c7073; // "slps"

export interface KillSwitchRules {
  /** The tunnel interface: everything through it is allowed. */
  ifname: string;
  /** The tunnel's own UDP socket carries this mark (nonzero): it alone reaches the endpoints directly. */
  socketMark: number;
  /** Allow the local networks: RFC 1918, link-local, fc00::/7, local multicast and broadcast. */
  allowLan: boolean;
  /** The tunnel's DNS servers; when any are listed, DNS goes only to them. */
  dns: string[];
}

// Interface names end up in a quoted nft string: only characters that need no escaping.
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Private and link-local ranges, local-segment multicast (224.0.0.0/24, admin-scoped 239/8) and broadcast. */
export const LAN_V4 = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '224.0.0.0/24',
  '239.0.0.0/8',
  '255.255.255.255/32',
];
/** Link-local, unique-local, and link- and site-scoped multicast. */
export const LAN_V6 = ['fe80::/10', 'fc00::/7', 'ff02::/16', 'ff05::/16'];

// ICMP "administratively prohibited" (IPv4 and IPv6 alike with icmpx): a blocked
// connect() or sendto() fails at once (EHOSTUNREACH) instead of timing out.
const REJECT = 'reject with icmpx type admin-prohibited';
const TCP_UDP = 'meta l4proto { tcp, udp }';

function fail(problem: string): never {
  throw new Error(`invalid kill switch: ${problem}`);
}

function validate(input: KillSwitchRules): { dns4: string[]; dns6: string[] } {
  if (!IFNAME.test(input.ifname)) fail(`interface name ${JSON.stringify(input.ifname)}`);
  if (!Number.isInteger(input.socketMark) || input.socketMark <= 0 || input.socketMark > 0xffffffff)
    fail(`socket mark ${input.socketMark}`);
  const dns4: string[] = [];
  const dns6: string[] = [];
  for (const server of input.dns) {
    const ip = parseIp(server);
    if (!ip) fail(`DNS server ${JSON.stringify(server)} is not an IP address`);
    (ip.bytes.length === 4 ? dns4 : dns6).push(formatIp(ip.bytes));
  }
  return { dns4: [...new Set(dns4)], dns6: [...new Set(dns6)] };
}

const set = (items: string[]) => `{ ${items.join(', ')} }`;

/** DNS only through the tunnel and, when the profile lists servers, only to them. */
function dnsRules(ifname: string, dns4: string[], dns6: string[], listed: boolean): string[] {
  const rules = [`${TCP_UDP} th dport 53 oifname != "${ifname}" ${REJECT}`];
  if (!listed) return rules;
  rules.push(
    dns4.length > 0
      ? `${TCP_UDP} th dport 53 ip daddr != ${set(dns4)} ${REJECT}`
      : `meta nfproto ipv4 ${TCP_UDP} th dport 53 ${REJECT}`,
  );
  rules.push(
    dns6.length > 0
      ? `${TCP_UDP} th dport 53 ip6 daddr != ${set(dns6)} ${REJECT}`
      : `meta nfproto ipv6 ${TCP_UDP} th dport 53 ${REJECT}`,
  );
  return rules;
}

function lanRules(): string[] {
  return [`ip daddr ${set(LAN_V4)} accept`, `ip6 daddr ${set(LAN_V6)} accept`];
}

function chain(name: string, hook: string, rules: string[]): string {
  return [
    `  chain ${name} {`,
    `    type filter hook ${hook} priority filter; policy drop;`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ].join('\n');
}

/** The ruleset as an `nft -f` script that atomically replaces any earlier kill switch. */
export function killSwitchRuleset(input: KillSwitchRules): string {
  const { dns4, dns6 } = validate(input);
  const tun = `"${input.ifname}"`;
  const mark = `0x${input.socketMark.toString(16).padStart(8, '0')}`;
  const dns = dnsRules(input.ifname, dns4, dns6, input.dns.length > 0);

  const output = [
    'oifname "lo" accept',
    // Only a process with CAP_NET_ADMIN can mark a socket: this is the tunnel's own UDP,
    // to whatever address the endpoint has now (roaming, a re-resolved host name).
    `meta mark ${mark} meta l4proto udp accept`,
    ...dns,
    `oifname ${tun} accept`,
    // Getting and keeping an address on the physical network.
    'meta nfproto ipv4 udp sport 68 udp dport 67 accept',
    'meta nfproto ipv6 udp sport 546 udp dport 547 accept',
    // Neighbour discovery and router solicitations; hop limit 255 keeps them on the link.
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept',
    ...(input.allowLan ? lanRules() : []),
    `${TCP_UDP} ${REJECT}`,
  ];
  const forward = [
    ...dns,
    `oifname ${tun} accept`,
    `iifname ${tun} accept`,
    ...(input.allowLan ? lanRules() : []),
    `${TCP_UDP} ${REJECT}`,
  ];

  const table = `${KILL_SWITCH_FAMILY} ${KILL_SWITCH_TABLE}`;
  return [
    '#!/usr/sbin/nft -f',
    '# Slipstream kill switch: generated, replaced and removed by Slipstream.',
    // Declaring the table first makes the delete valid when none exists yet;
    // the three commands are one transaction.
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    chain('output', 'output', output),
    chain('forward', 'forward', forward),
    '}',
    '',
  ].join('\n');
}
