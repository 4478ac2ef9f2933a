// The bench rig: two namespaces joined by a veth pair, one key pair per end, and a way to
// start either end with any of the implementations under test from the same settings.
//
//   [client ns] veth 10.99.0.2  <──>  veth 10.99.0.1 [server ns]
//   tunnel 10.201.0.2                 tunnel 10.201.0.1, UDP 51820
import { writeClientConfig } from '../../harness/clientconf.js';
import { connectNamespaces, createNamespace, type Namespace } from '../../harness/netns.js';
import {
  formatEndpoint,
  startWireGuardGoFromConfig,
  startWireGuardGoServer,
  type WireGuardGo,
} from '../../harness/wireguard-go.js';
import { genKeyPair } from '../../harness/wg-tools.js';
import { startSlipstream } from '../../integration/slipstream.js';

export type Implementation = 'wireguard-go 2023' | 'wireguard-go 2022' | 'slipstream';

export interface Binaries {
  /** wireguard-go 0.0.20231211 (backports). */
  wg2023: string;
  /** Debian's default wireguard-go, from PATH. */
  wg2022: string;
}

export interface RunningEnd {
  impl: Implementation;
  pid: number;
  stop(): Promise<void>;
}

const PORT = 51820;
export const SERVER_ADDR = '10.201.0.1';
const CLIENT_ADDR = '10.201.0.2';

interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export class Rig {
  private constructor(
    readonly serverNs: Namespace,
    readonly clientNs: Namespace,
    private readonly endpointHost: string,
    private readonly serverKeys: KeyPair,
    private readonly clientKeys: KeyPair,
    private readonly binaries: Binaries,
  ) {}

  static async create(prefix: string, binaries: Binaries): Promise<Rig> {
    const serverNs = await createNamespace(`${prefix}srv`);
    try {
      const clientNs = await createNamespace(`${prefix}cli`);
      const link = await connectNamespaces(serverNs, clientNs);
      if (link.a.v4 === null) throw new Error('the veth has no IPv4 address');
      return new Rig(
        serverNs,
        clientNs,
        link.a.v4,
        await genKeyPair(),
        await genKeyPair(),
        binaries,
      );
    } catch (e) {
      await serverNs.delete().catch(() => {});
      throw e;
    }
  }

  private binary(impl: Implementation): string {
    return impl === 'wireguard-go 2023' ? this.binaries.wg2023 : this.binaries.wg2022;
  }

  /** The server end: listens on UDP 51820, knows the client by key, learns its endpoint. */
  async startServer(impl: Implementation): Promise<RunningEnd> {
    const peer = { publicKey: this.clientKeys.publicKey, allowedIps: [`${CLIENT_ADDR}/32`] };
    if (impl !== 'slipstream') {
      const wg = await startWireGuardGoServer(this.serverNs, {
        address: [`${SERVER_ADDR}/24`],
        listenPort: PORT,
        privateKey: this.serverKeys.privateKey,
        peers: [peer],
        logLevel: 'error',
        binary: this.binary(impl),
      });
      return wireguardGoEnd(impl, wg);
    }
    const config = await writeClientConfig({
      privateKey: this.serverKeys.privateKey,
      addresses: [`${SERVER_ADDR}/24`],
      listenPort: PORT,
      peers: [peer],
    });
    return slipstreamEnd(this.serverNs, config);
  }

  /** The client end: dials the server over the veth, as a wg-quick config describes it. */
  async startClient(impl: Implementation): Promise<RunningEnd> {
    const config = await writeClientConfig({
      privateKey: this.clientKeys.privateKey,
      addresses: [`${CLIENT_ADDR}/24`],
      peers: [
        {
          publicKey: this.serverKeys.publicKey,
          endpoint: formatEndpoint(this.endpointHost, PORT),
          allowedIps: [`${SERVER_ADDR}/32`],
        },
      ],
    });
    if (impl === 'slipstream') return slipstreamEnd(this.clientNs, config);
    const wg = await startWireGuardGoFromConfig(this.clientNs, config, {
      logLevel: 'error',
      binary: this.binary(impl),
    });
    return wireguardGoEnd(impl, wg);
  }

  async destroy(): Promise<void> {
    await this.clientNs.delete();
    await this.serverNs.delete();
  }
}

function wireguardGoEnd(impl: Implementation, wg: WireGuardGo): RunningEnd {
  const pid = wg.pid;
  if (pid === undefined) throw new Error(`${impl} has no pid`);
  return { impl, pid, stop: () => wg.stop() };
}

async function slipstreamEnd(ns: Namespace, config: string): Promise<RunningEnd> {
  // Default log level: "tunnel up" (info) is how the start is seen; counters come once a minute.
  const s = await startSlipstream(ns, config);
  const pid = s.proc.pid;
  if (pid === undefined) throw new Error('slipstream has no pid');
  return {
    impl: 'slipstream',
    pid,
    stop: async () => {
      const code = await s.stop('SIGINT');
      if (code !== 0) throw new Error(`slipstream exited ${code}: ${s.proc.stderr().slice(-2000)}`);
    },
  };
}
