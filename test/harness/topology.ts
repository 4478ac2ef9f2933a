// The standard test network in one call: a server namespace running stock wireguard-go, a
// client namespace, a veth "internet" between them, keys for one client, and its config.
//
//   [client ns] veth 10.99.0.2 / fd99::2  <──>  veth 10.99.0.1 / fd99::1 [server ns]
//                                                     wireguard-go, tunnel 10.200.0.1 / fd00:200::1
import { writeClientConfig, type ClientConfigParts } from './clientconf.js';
import { connectNamespaces, createNamespace, type Namespace, type VethLink } from './netns.js';
import {
  formatEndpoint,
  startWireGuardGoFromConfig,
  startWireGuardGoServer,
  type FromConfigOptions,
  type WireGuardGo,
} from './wireguard-go.js';
import { genKeyPair, genPsk } from './wg-tools.js';

export interface TopologyOptions {
  /** Namespace name prefix: `ss-<prefix>srv-…`, `ss-<prefix>cli-…`. Default "t". */
  prefix?: string;
  /** Give the client a preshared key. Default false. */
  presharedKey?: boolean;
  /** Which veth address family the client uses to reach the server. Default 'v4'. */
  endpointFamily?: 'v4' | 'v6';
  /** Server UDP port. Default 51820. */
  serverPort?: number;
  /** Veth MTU (the "internet" path). Default 1500. */
  underlayMtu?: number;
  /** Client PersistentKeepalive in the generated config. Default none. */
  persistentKeepalive?: number;
}

export interface TunnelAddresses {
  serverV4: string;
  serverV6: string;
  clientV4: string;
  clientV6: string;
}

export interface Topology {
  serverNs: Namespace;
  clientNs: Namespace;
  link: VethLink;
  server: WireGuardGo;
  /** The client's identity as the server knows it. */
  client: { privateKey: string; publicKey: string; presharedKey: string | undefined };
  /** "host:port" the client dials. */
  serverEndpoint: string;
  /** Addresses inside the tunnel (without prefix length). */
  tunnel: TunnelAddresses;
  /** Client config parts (wg-quick style), optionally changed by `overrides`. */
  clientConfig(overrides?: Partial<ClientConfigParts>): ClientConfigParts;
  /** Writes clientConfig(overrides) to a 0600 file and returns its path. */
  writeClientConfig(overrides?: Partial<ClientConfigParts>): Promise<string>;
  /** Starts stock wireguard-go in the client namespace from the client config (reference client). */
  startReferenceClient(opts?: FromConfigOptions): Promise<WireGuardGo>;
  /** Deletes both namespaces and everything in them. */
  destroy(): Promise<void>;
}

export const TUNNEL: TunnelAddresses = {
  serverV4: '10.200.0.1',
  serverV6: 'fd00:200::1',
  clientV4: '10.200.0.2',
  clientV6: 'fd00:200::2',
};

export async function createTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const prefix = opts.prefix ?? 't';
  const serverNs = await createNamespace(`${prefix}srv`);
  let clientNs: Namespace | undefined;
  try {
    clientNs = await createNamespace(`${prefix}cli`);
    const cns = clientNs;
    const link = await connectNamespaces(serverNs, cns, { mtu: opts.underlayMtu });
    const clientKeys = await genKeyPair();
    const presharedKey = opts.presharedKey ? await genPsk() : undefined;
    const server = await startWireGuardGoServer(serverNs, {
      address: [`${TUNNEL.serverV4}/24`, `${TUNNEL.serverV6}/64`],
      listenPort: opts.serverPort ?? 51820,
      peers: [
        {
          publicKey: clientKeys.publicKey,
          presharedKey,
          allowedIps: [`${TUNNEL.clientV4}/32`, `${TUNNEL.clientV6}/128`],
        },
      ],
    });
    const host = opts.endpointFamily === 'v6' ? link.a.v6 : link.a.v4;
    if (host === null) throw new Error('veth has no address of the requested family');
    const serverEndpoint = formatEndpoint(host, server.port);
    const clientConfig = (overrides: Partial<ClientConfigParts> = {}): ClientConfigParts => ({
      privateKey: clientKeys.privateKey,
      addresses: [`${TUNNEL.clientV4}/24`, `${TUNNEL.clientV6}/64`],
      peers: [
        {
          publicKey: server.publicKey,
          // Absent rather than undefined, so parts compare equal to a parsed config.
          ...(presharedKey !== undefined && { presharedKey }),
          endpoint: serverEndpoint,
          allowedIps: ['10.200.0.0/24', 'fd00:200::/64'],
          ...(opts.persistentKeepalive !== undefined && {
            persistentKeepalive: opts.persistentKeepalive,
          }),
        },
      ],
      ...overrides,
    });
    return {
      serverNs,
      clientNs: cns,
      link,
      server,
      client: { ...clientKeys, presharedKey },
      serverEndpoint,
      tunnel: { ...TUNNEL },
      clientConfig,
      writeClientConfig: (overrides) => writeClientConfig(clientConfig(overrides)),
      startReferenceClient: async (fromOpts) =>
        startWireGuardGoFromConfig(cns, await writeClientConfig(clientConfig()), fromOpts),
      destroy: async () => {
        await server.stop();
        await cns.delete();
        await serverNs.delete();
      },
    };
  } catch (e) {
    await clientNs?.delete().catch(() => {});
    await serverNs.delete().catch(() => {});
    throw e;
  }
}
