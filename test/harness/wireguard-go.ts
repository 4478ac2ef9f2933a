// Debian's stock wireguard-go, run in the foreground inside a test namespace: the reference
// server Slipstream talks to, and the reference client it is compared with.
//
// wireguard-go's control socket lives at /var/run/wireguard/<ifname>.sock, a path shared by
// all namespaces, so interface names are random to keep parallel instances apart.
import { formatEndpoint as formatHostPort } from '../../app/config/endpoint.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { registerCleanup } from './cleanup.js';
import { parseWgConfig, renderWgSetconf, type PeerParts } from './clientconf.js';
import type { Namespace } from './netns.js';
import type { ManagedProcess } from './process.js';
import { runOk } from './system.js';
import { withSecretFile } from './tempfiles.js';
import { waitFor } from './wait.js';
import {
  assertWgKey,
  genKeyPair,
  parseWgDump,
  publicKeyOf,
  type WgInterfaceStatus,
  type WgPeerStatus,
} from './wg-tools.js';

const WG_SOCKET_DIR = '/var/run/wireguard';

export type PeerConfig = PeerParts;

export interface WireGuardGoOptions {
  /** Tunnel addresses with prefix, e.g. ['10.200.0.1/24', 'fd200::1/64']. */
  address: string[];
  /** UDP port. Servers default to 51820; clients to a random port picked by wireguard-go. */
  listenPort?: number;
  /** base64; generated with `wg genkey` when omitted. */
  privateKey?: string;
  peers?: PeerConfig[];
  /** Default 1420, wireguard-go's own default. */
  mtu?: number;
  /** Extra prefixes routed into the tunnel inside the namespace (e.g. '0.0.0.0/0'). */
  routes?: string[];
  /** Interface name (max 15 chars). Default: random `wgs…` (server) / `wgc…` (client). */
  ifname?: string;
  /** wireguard-go LOG_LEVEL. Default 'verbose' (handshake events, for diagnosing failures). */
  logLevel?: 'verbose' | 'error' | 'silent';
  /** The wireguard-go executable. Default: Debian's, from PATH. */
  binary?: string;
}

export interface RestartOptions {
  /**
   * Re-apply the endpoints the peers had before the restart. Default false: like a real
   * server restart, the new instance forgets endpoints it only learned from traffic.
   */
  keepEndpoints?: boolean;
}

/** "host:port", bracketing IPv6 literals (the app's own formatting). */
export function formatEndpoint(host: string, port: number): string {
  return formatHostPort({ host, port });
}

function socketPath(ifname: string): string {
  return path.join(WG_SOCKET_DIR, `${ifname}.sock`);
}

function validatePeer(p: PeerConfig, what: string): void {
  assertWgKey(p.publicKey, `${what} publicKey`);
  if (p.presharedKey !== undefined) assertWgKey(p.presharedKey, `${what} presharedKey`);
}

export class WireGuardGo {
  private proc: ManagedProcess | null = null;
  private readonly peers = new Map<string, PeerConfig>();
  private listenPort: number | undefined;
  private actualPort = 0;
  private unregister: (() => void) | null = null;

  private constructor(
    readonly ns: Namespace,
    readonly ifname: string,
    readonly privateKey: string,
    readonly publicKey: string,
    private readonly opts: WireGuardGoOptions,
  ) {
    this.listenPort = opts.listenPort;
    for (const p of opts.peers ?? []) this.peers.set(p.publicKey, { ...p });
  }

  // Registered after the namespace, so it runs first: a SIGTERMed wireguard-go removes its
  // own control socket; after a SIGKILL the stale socket is removed here.
  private ensureRegistered(): void {
    this.unregister ??= registerCleanup({
      label: `wireguard-go ${this.ifname} in ${this.ns.name}`,
      run: () => this.stop(),
      runSync: () => {
        this.proc?.killSync();
        rmSync(socketPath(this.ifname), { force: true });
      },
    });
  }

  /** @internal use startWireGuardGoServer / startWireGuardGoClient / startWireGuardGoFromConfig */
  static async create(ns: Namespace, opts: WireGuardGoOptions, role: 'server' | 'client') {
    const ifname =
      opts.ifname ?? `wg${role === 'server' ? 's' : 'c'}${randomBytes(3).toString('hex')}`;
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifname)) {
      throw new Error(`invalid interface name ${JSON.stringify(ifname)}`);
    }
    if (opts.address.length === 0) throw new Error('wireguard-go needs at least one address');
    (opts.peers ?? []).forEach((p, i) => validatePeer(p, `peer ${i + 1}`));
    let privateKey = opts.privateKey;
    let publicKey: string;
    if (privateKey === undefined) {
      ({ privateKey, publicKey } = await genKeyPair());
    } else {
      publicKey = await publicKeyOf(privateKey);
    }
    const listenPort = opts.listenPort ?? (role === 'server' ? 51820 : undefined);
    const wg = new WireGuardGo(ns, ifname, privateKey, publicKey, { ...opts, listenPort });
    try {
      await wg.start();
    } catch (e) {
      await wg.stop().catch(() => {});
      throw e;
    }
    return wg;
  }

  /** Process id of the running wireguard-go (for CPU and memory readings), if running. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The UDP port wireguard-go is listening on. */
  get port(): number {
    return this.actualPort;
  }

  /** The wireguard-go process currently running (null when stopped). */
  get process(): ManagedProcess | null {
    return this.proc;
  }

  isRunning(): boolean {
    return this.proc?.isRunning() ?? false;
  }

  /** "host:port" of this instance for a peer that reaches it at `host`. */
  endpoint(host: string): string {
    return formatEndpoint(host, this.actualPort);
  }

  /** wireguard-go's output so far (current process). */
  logs(): string {
    return this.proc?.output() ?? '';
  }

  private async start(): Promise<void> {
    if (this.isRunning()) throw new Error(`wireguard-go ${this.ifname} is already running`);
    const sock = socketPath(this.ifname);
    if (existsSync(sock)) {
      throw new Error(`${sock} already exists: another wireguard-go uses ${this.ifname}`);
    }
    const proc = this.ns.spawn(this.opts.binary ?? 'wireguard-go', [this.ifname], {
      env: { WG_PROCESS_FOREGROUND: '1', LOG_LEVEL: this.opts.logLevel ?? 'verbose' },
      label: `wireguard-go ${this.ifname}`,
    });
    this.proc = proc;
    this.ensureRegistered();
    const state = await waitFor(
      async () => {
        if (!proc.isRunning()) return 'exited';
        if (!existsSync(sock)) return false;
        const link = await this.ns.run('ip', ['link', 'show', 'dev', this.ifname]);
        return link.code === 0 ? 'ready' : false;
      },
      { timeoutMs: 10_000, intervalMs: 25, what: `wireguard-go interface ${this.ifname}` },
    ).catch((e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(
        `starting wireguard-go in ${this.ns.name}: ${msg}\n${proc.output().slice(-2000)}`,
      );
    });
    if (state === 'exited') {
      await proc.exited;
      throw new Error(
        `wireguard-go ${this.ifname} in ${this.ns.name} ${proc.describeExit()}: ${proc.output().slice(-2000)}`,
      );
    }
    await this.applyWgConfig();
    const mtu = this.opts.mtu ?? 1420;
    await this.ns.ip(['link', 'set', 'dev', this.ifname, 'mtu', String(mtu)]);
    for (const cidr of this.opts.address) {
      // nodad: the address is usable at once instead of after duplicate address detection.
      const extra = cidr.includes(':') ? ['nodad'] : [];
      await this.ns.ip(['addr', 'add', cidr, 'dev', this.ifname, ...extra]);
    }
    await this.ns.ip(['link', 'set', 'dev', this.ifname, 'up']);
    for (const route of this.opts.routes ?? []) {
      await this.ns.ip(['route', 'replace', route, 'dev', this.ifname]);
    }
    this.actualPort = (await this.show()).listenPort;
  }

  // The whole WireGuard state goes in through one 0600 file with `wg setconf`, so no key is
  // ever on a command line.
  private async applyWgConfig(): Promise<void> {
    const text = renderWgSetconf({
      privateKey: this.privateKey,
      listenPort: this.listenPort,
      peers: [...this.peers.values()],
    });
    await withSecretFile(text, (file) => this.ns.exec('wg', ['setconf', this.ifname, file]));
  }

  /** Stops wireguard-go (SIGTERM, then SIGKILL) and removes its interface. Idempotent. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc) await proc.stop({ graceMs: 3000 });
    rmSync(socketPath(this.ifname), { force: true });
    this.unregister?.();
    this.unregister = null;
  }

  /**
   * Kills wireguard-go and starts it again with the same keys, port, addresses and peers
   * (including peers added or removed since). Sessions are lost, as in a real restart.
   */
  async restart(opts: RestartOptions = {}): Promise<void> {
    if (opts.keepEndpoints && this.isRunning()) {
      for (const p of (await this.show()).peers) {
        const cfg = this.peers.get(p.publicKey);
        if (cfg && p.endpoint !== null) cfg.endpoint = p.endpoint;
      }
    }
    // Keep the port even when wireguard-go picked it, so peers can still reach us.
    if (this.actualPort !== 0) this.listenPort = this.actualPort;
    const proc = this.proc;
    if (proc) await proc.stop({ graceMs: 3000 });
    rmSync(socketPath(this.ifname), { force: true });
    this.proc = null;
    await this.start();
  }

  /** Adds (or replaces) a peer on the running instance; kept across restart(). */
  async addPeer(peer: PeerConfig): Promise<void> {
    validatePeer(peer, 'peer');
    const args = [
      'set',
      this.ifname,
      'peer',
      peer.publicKey,
      'allowed-ips',
      peer.allowedIps.join(','),
    ];
    if (peer.endpoint !== undefined) args.push('endpoint', peer.endpoint);
    if (peer.persistentKeepalive !== undefined) {
      args.push('persistent-keepalive', String(peer.persistentKeepalive));
    }
    const psk = peer.presharedKey;
    if (psk === undefined) await this.ns.exec('wg', args);
    else {
      await withSecretFile(psk, (file) => this.ns.exec('wg', [...args, 'preshared-key', file]));
    }
    this.peers.set(peer.publicKey, { ...peer });
  }

  /** Removes a peer from the running instance and from what restart() re-applies. */
  async removePeer(publicKey: string): Promise<void> {
    assertWgKey(publicKey, 'publicKey');
    await this.ns.exec('wg', ['set', this.ifname, 'peer', publicKey, 'remove']);
    this.peers.delete(publicKey);
  }

  /** Parsed `wg show <if> dump`: port, peers, endpoints, latest handshakes, transfer. */
  async show(): Promise<WgInterfaceStatus> {
    const r = await this.ns.exec('wg', ['show', this.ifname, 'dump']);
    return parseWgDump(r.stdout);
  }

  /** Status of one peer (the only peer when omitted). */
  async peer(publicKey?: string): Promise<WgPeerStatus> {
    const { peers } = await this.show();
    const found = publicKey === undefined ? peers[0] : peers.find((p) => p.publicKey === publicKey);
    if (!found) {
      throw new Error(`${this.ifname} has no peer ${publicKey ?? '(none configured)'}`);
    }
    return found;
  }

  /**
   * Waits for a handshake with a peer (the only peer when omitted) newer than `after`
   * (unix seconds; default: any). Returns the peer's status.
   */
  async waitForHandshake(
    opts: { publicKey?: string; after?: number; timeoutMs?: number } = {},
  ): Promise<WgPeerStatus> {
    return waitFor(
      async () => {
        const p = await this.peer(opts.publicKey);
        return p.latestHandshake !== null && p.latestHandshake > (opts.after ?? 0) ? p : null;
      },
      { timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 100, what: `handshake on ${this.ifname}` },
    );
  }
}

/** Starts wireguard-go as a server (default port 51820) in `ns`. */
export async function startWireGuardGoServer(
  ns: Namespace,
  opts: WireGuardGoOptions,
): Promise<WireGuardGo> {
  return WireGuardGo.create(ns, opts, 'server');
}

/** Starts wireguard-go as a client: every peer needs an endpoint. */
export async function startWireGuardGoClient(
  ns: Namespace,
  opts: WireGuardGoOptions & { peers: PeerConfig[] },
): Promise<WireGuardGo> {
  if (opts.peers.length === 0) throw new Error('a wireguard-go client needs at least one peer');
  opts.peers.forEach((p, i) => {
    if (p.endpoint === undefined) throw new Error(`client peer ${i + 1} has no endpoint`);
  });
  return WireGuardGo.create(ns, opts, 'client');
}

export interface FromConfigOptions {
  /** Route each peer's AllowedIPs into the tunnel, as wg-quick would. Default true. */
  routeAllowedIps?: boolean;
  ifname?: string;
  logLevel?: WireGuardGoOptions['logLevel'];
  binary?: string;
}

/**
 * Runs a wg-quick style config file with stock tools: `wg-quick strip` decides what the
 * WireGuard part is (so a config written by the harness is checked by wireguard-tools
 * itself); Address and MTU are applied by the harness. DNS is ignored.
 */
export async function startWireGuardGoFromConfig(
  ns: Namespace,
  configPath: string,
  opts: FromConfigOptions = {},
): Promise<WireGuardGo> {
  if (!configPath.endsWith('.conf')) throw new Error('wg-quick configs must end in .conf');
  const stripped = (await runOk('wg-quick', ['strip', path.resolve(configPath)])).stdout;
  const wgPart = parseWgConfig(stripped);
  const full = parseWgConfig(readFileSync(configPath, 'utf8'));
  const routes = opts.routeAllowedIps === false ? [] : wgPart.peers.flatMap((p) => p.allowedIps);
  return WireGuardGo.create(
    ns,
    {
      address: full.addresses ?? [],
      privateKey: wgPart.privateKey,
      listenPort: wgPart.listenPort,
      peers: wgPart.peers,
      mtu: full.mtu,
      routes,
      ifname: opts.ifname,
      logLevel: opts.logLevel,
      binary: opts.binary,
    },
    'client',
  );
}
