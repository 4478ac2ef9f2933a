/**
 * What a tunnel changes on Windows, as data: MTU, addresses, routes (metric 0;
 * a default route becomes two /1 routes, which win over any /0 without
 * touching it, plus a host route to each peer endpoint through the real
 * interface so the encrypted packets do not loop into the tunnel), DNS with an
 * NRPT rule for the whole namespace, and the WFP kill switch.
 */
import { formatIp, maskToPrefix } from '../../config/ip.js';
import type { TunIdentity, TunnelConfigView } from '../types.js';
import type { Family, KillSwitchSpec, WinRoute } from './native.js';

export type WinStep =
  | { kind: 'mtu'; ifindex: number; family: Family; mtu: number }
  | { kind: 'address'; ifindex: number; family: Family; address: string; prefixLength: number }
  | { kind: 'endpoint-route'; family: Family; address: string; tunnelIfindex: number }
  | { kind: 'route'; route: WinRoute }
  | { kind: 'dns'; ifindex: number; servers: string[]; search: string[] }
  | { kind: 'nrpt'; name: string; namespace: string; servers: string[] }
  | { kind: 'killswitch'; spec: KillSwitchSpec };

export interface WinPlanInput {
  tun: TunIdentity;
  config: TunnelConfigView;
  mtu: number;
  /** Peer endpoints (resolved addresses), excluded from a full tunnel. */
  endpoints: { address: string; family: Family; port: number }[];
  /** The tunnel's UDP port, for the kill switch (0 = any). */
  listenPort: number;
  /** Kill switch on, and whether the LAN stays reachable. */
  killSwitch: { allowLan: boolean } | null;
}

export interface WinPlan {
  fullTunnel: boolean;
  steps: WinStep[];
}

/** The NRPT rule's name: one per adapter, so a crashed run's rule is found again. */
export const NRPT_RULE_NAME = 'Slipstream';

function halves(family: Family): { dst: string; prefixLength: number }[] {
  return family === 4
    ? [
        { dst: '0.0.0.0', prefixLength: 1 },
        { dst: '128.0.0.0', prefixLength: 1 },
      ]
    : [
        { dst: '::', prefixLength: 1 },
        { dst: '8000::', prefixLength: 1 },
      ];
}

export function planWindows(input: WinPlanInput): WinPlan {
  const { tun, config } = input;
  if (!Number.isInteger(input.mtu) || input.mtu < 576 || input.mtu > 65535) {
    throw new Error(`MTU ${input.mtu} is out of range (576..65535)`);
  }
  const steps: WinStep[] = [];
  const families = new Set<Family>([4]);
  for (const a of config.interface.addresses) families.add(a.family);
  const routes = new Map<string, WinRoute>();
  const fullFamilies = new Set<Family>();
  for (const peer of config.peers) {
    for (const cidr of peer.allowedIps) {
      const family: Family = cidr.address.length === 4 ? 4 : 6;
      families.add(family);
      const parts =
        cidr.prefixLength === 0
          ? halves(family)
          : [
              {
                dst: formatIp(maskToPrefix(cidr.address, cidr.prefixLength)),
                prefixLength: cidr.prefixLength,
              },
            ];
      if (cidr.prefixLength === 0) fullFamilies.add(family);
      for (const p of parts) {
        const key = `${p.dst}/${p.prefixLength}`;
        if (!routes.has(key)) routes.set(key, { ifindex: tun.ifindex, family, ...p, metric: 0 });
      }
    }
  }

  for (const family of [...families].sort()) {
    steps.push({
      kind: 'mtu',
      ifindex: tun.ifindex,
      family,
      mtu: family === 6 ? Math.max(1280, input.mtu) : input.mtu,
    });
  }
  for (const a of config.interface.addresses) {
    steps.push({
      kind: 'address',
      ifindex: tun.ifindex,
      family: a.family,
      address: formatIp(a.address),
      prefixLength: a.prefixLength,
    });
  }
  // Endpoint exclusions go in before the /1 routes, so at no moment does the
  // endpoint route through the tunnel.
  for (const e of input.endpoints) {
    if (fullFamilies.has(e.family)) {
      steps.push({
        kind: 'endpoint-route',
        family: e.family,
        address: e.address,
        tunnelIfindex: tun.ifindex,
      });
    }
  }
  for (const route of routes.values()) steps.push({ kind: 'route', route });

  const servers = config.interface.dns;
  if (servers.length > 0) {
    steps.push({ kind: 'dns', ifindex: tun.ifindex, servers, search: config.interface.dnsSearch });
    // "." = every name: without it Windows asks all interfaces' servers and
    // takes the first answer, leaking queries past the tunnel.
    steps.push({ kind: 'nrpt', name: NRPT_RULE_NAME, namespace: '.', servers });
  }
  if (input.killSwitch) {
    steps.push({
      kind: 'killswitch',
      spec: {
        tunnelIfindex: tun.ifindex,
        udpPort: input.listenPort,
        endpoints: input.endpoints,
        allowLan: input.killSwitch.allowLan,
      },
    });
  }
  return { fullTunnel: fullFamilies.size > 0, steps };
}
