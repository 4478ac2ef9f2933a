/**
 * Keeps host-name Endpoints pointing where their names point now. wg(8) and
 * wireguard-go resolve a name once, so a server that moves (a dynamic DNS
 * name, a fail-over) is lost until someone restarts the tunnel or runs a cron
 * script. Here the name stays with the peer and is looked up again:
 *
 * - on every reconnect attempt (`refresh`, called by probePeers), and
 * - when a handshake goes out while the peer's name was last looked up
 *   UNANSWERED_MS ago or more. Handshakes are retried every 5 s while
 *   unanswered, so a handshake left unanswered for 15 s always brings a new
 *   lookup; on a healthy tunnel this is one lookup per rekey (2 minutes).
 *
 * Lookups go through the system resolver (getaddrinfo), in the network and
 * mount namespace this process runs in, so `/etc/hosts` (or, under
 * `ip netns exec`, `/etc/netns/<ns>/hosts`) and nsswitch are honoured. When
 * the answer no longer contains the address in use, the endpoint moves to
 * the first address given and a handshake goes out at once.
 */
import { lookup } from 'node:dns/promises';
import type { Logger } from '../log/logger.js';
import type { Endpoint, WgEvent } from './wireguard/types.js';

export const UNANSWERED_MS = 15_000;

export interface NamedPeer {
  /** Base64 public key, as WgEvents name peers. */
  name: string;
  publicKey: Uint8Array;
  host: string;
  port: number;
}

export type Resolve = (host: string) => Promise<string[]>;

export interface EndpointRefreshOptions {
  peers: NamedPeer[];
  /** The endpoint the device uses for a peer now (roaming may have changed it). */
  current: (peer: NamedPeer) => Endpoint | null;
  /** Points the peer at `endpoint` and starts a handshake there. */
  apply: (peer: NamedPeer, endpoint: Endpoint) => void;
  log: Logger;
  resolve?: Resolve;
  /** Monotonic ms. */
  clock?: () => number;
}

/** Every address the system resolver gives for `host`, in its order. */
export const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true })).map((a) => a.address);

export class EndpointRefresher {
  private readonly resolve: Resolve;
  private readonly clock: () => number;
  private readonly lastLookup = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: EndpointRefreshOptions) {
    this.resolve = options.resolve ?? systemResolve;
    this.clock = options.clock ?? (() => performance.now());
    // The start-up lookup counts: the first handshake need not repeat it.
    const now = this.clock();
    for (const p of options.peers) this.lastLookup.set(p.name, now);
  }

  get hasNames(): boolean {
    return this.options.peers.length > 0;
  }

  /** Looks every named peer up again (a reconnect attempt). */
  refresh(reason: string): Promise<void> {
    return Promise.all(this.options.peers.map((p) => this.refreshPeer(p, reason))).then(
      () => undefined,
    );
  }

  /** Feeds the tunnel's events: a handshake sent long after the last lookup brings a new one. */
  onEvent(event: WgEvent): void {
    if (event.name !== 'handshake-initiated') return;
    const peer = this.options.peers.find((p) => p.name === event.peer);
    if (!peer) return;
    const last = this.lastLookup.get(peer.name) ?? Number.NEGATIVE_INFINITY;
    if (this.clock() - last >= UNANSWERED_MS)
      void this.refreshPeer(peer, 'handshake 15 s or more after the last lookup');
  }

  stop(): void {
    this.stopped = true;
  }

  private refreshPeer(peer: NamedPeer, reason: string): Promise<void> {
    const running = this.inFlight.get(peer.name);
    if (running) return running;
    this.lastLookup.set(peer.name, this.clock());
    const work = this.lookUp(peer, reason).finally(() => this.inFlight.delete(peer.name));
    this.inFlight.set(peer.name, work);
    return work;
  }

  private async lookUp(peer: NamedPeer, reason: string): Promise<void> {
    const log = this.options.log;
    let addresses: string[];
    try {
      addresses = await this.resolve(peer.host);
    } catch (err) {
      // Keep the address we have: a resolver that is down says nothing about the server.
      const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
      log.warn('cannot resolve the endpoint again; keeping the address in use', {
        peer: peer.name,
        host: peer.host,
        reason,
        problem: code,
      });
      return;
    }
    if (this.stopped || addresses.length === 0) return;
    const current = this.options.current(peer);
    // The address in use may be any of several records (round robin): keep it while listed.
    if (current && current.port === peer.port && addresses.includes(current.host)) {
      log.debug('endpoint name resolves as before', { peer: peer.name, host: peer.host, reason });
      return;
    }
    const endpoint = { host: addresses[0]!, port: peer.port };
    log.info('endpoint host name resolves to a new address', {
      peer: peer.name,
      host: peer.host,
      from: current ? `${current.host}:${current.port}` : null,
      to: `${endpoint.host}:${endpoint.port}`,
      reason,
    });
    this.options.apply(peer, endpoint);
  }
}
