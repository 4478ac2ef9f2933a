/**
 * Test harness for paired WireGuardDevice instances: a deterministic random
 * source, a fake monotonic clock, a tiny in-memory UDP network that carries
 * `udp` effects between devices, and builders for inner IPv4/IPv6 packets.
 */
import { WireGuardDevice } from '../../../app/tunnel/wireguard/device.js';
import { generatePrivateKey } from '../../../app/tunnel/wireguard/keys.js';
import type { Peer } from '../../../app/tunnel/wireguard/peer.js';
import type {
  Cidr,
  Effect,
  Endpoint,
  PeerConfig,
  WgEvent,
} from '../../../app/tunnel/wireguard/types.js';

/** splitmix32-based byte generator: deterministic per seed. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = next();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  };
}

export function cidr(text: string): Cidr {
  const [addr, len] = text.split('/') as [string, string];
  return { address: ipBytes(addr), prefixLength: Number(len) };
}

export function ipBytes(text: string): Uint8Array {
  if (!text.includes(':')) return new Uint8Array(text.split('.').map(Number));
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >>> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** A minimal IPv4 packet (UDP protocol number, no checksum needed by the core). */
export function ipv4Packet(src: string, dst: string, payload: Uint8Array | number = 8): Uint8Array {
  const body =
    typeof payload === 'number' ? new Uint8Array(payload).map((_, i) => i & 0xff) : payload;
  const p = new Uint8Array(20 + body.length);
  p[0] = 0x45;
  p[2] = (p.length >>> 8) & 0xff;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set(ipBytes(src), 12);
  p.set(ipBytes(dst), 16);
  p.set(body, 20);
  return p;
}

export function ipv6Packet(src: string, dst: string, payload: Uint8Array | number = 8): Uint8Array {
  const body =
    typeof payload === 'number' ? new Uint8Array(payload).map((_, i) => (i * 7) & 0xff) : payload;
  const p = new Uint8Array(40 + body.length);
  p[0] = 0x60;
  p[4] = (body.length >>> 8) & 0xff;
  p[5] = body.length & 0xff;
  p[6] = 17;
  p[7] = 64;
  p.set(ipBytes(src), 8);
  p.set(ipBytes(dst), 24);
  p.set(body, 40);
  return p;
}

export interface Datagram {
  from: Endpoint;
  to: Endpoint;
  data: Uint8Array;
}

export type Verdict = 'deliver' | 'drop' | 'hold';

export class Node {
  readonly tun: Uint8Array[] = [];
  readonly events: WgEvent[] = [];
  /** Every datagram this node emitted, in order. */
  readonly sent: Datagram[] = [];
  constructor(
    readonly net: Net,
    readonly name: string,
    public addr: Endpoint,
    readonly device: WireGuardDevice,
    readonly privateKey: Uint8Array,
  ) {}

  get publicKey(): Uint8Array {
    return this.device.publicKey;
  }

  /** Feeds a TUN packet and lets the network run. */
  tunIn(packet: Uint8Array): void {
    const out: Effect[] = [];
    this.device.handleTunPacket(packet, this.net.now, out);
    this.net.absorb(this, out);
    this.net.flush();
  }

  eventNames(): string[] {
    return this.events.map((e) => e.name);
  }

  drops(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.device.stats().drops).filter(([, n]) => n > 0));
  }
}

/** In-memory network with a fake clock. */
export class Net {
  now: number;
  readonly nodes: Node[] = [];
  private readonly queue: Datagram[] = [];
  readonly held: Datagram[] = [];
  /** Decides the fate of each datagram; default delivers everything. */
  filter: (d: Datagram) => Verdict = () => 'deliver';

  constructor(start = 1_000_000) {
    this.now = start;
  }

  addNode(
    name: string,
    addr: Endpoint,
    seed: number,
    extra: Partial<ConstructorParameters<typeof WireGuardDevice>[0]> = {},
  ): Node {
    const randomBytes = seededRandom(seed);
    const privateKey = generatePrivateKey(randomBytes);
    const device = new WireGuardDevice({
      privateKey,
      randomBytes,
      now: this.now,
      // Wall clock tied to the fake clock, so TAI64N advances with it.
      wallClock: () => 1_700_000_000_000 + this.now,
      ...extra,
    });
    const node = new Node(this, name, addr, device, privateKey);
    this.nodes.push(node);
    return node;
  }

  absorb(node: Node, out: Effect[]): void {
    for (const e of out) {
      if (e.type === 'udp') {
        const d = { from: { ...node.addr }, to: e.to, data: e.data };
        node.sent.push(d);
        this.queue.push(d);
      } else if (e.type === 'tun') node.tun.push(e.packet);
      else node.events.push(e.event);
    }
    out.length = 0;
  }

  /** Delivers queued datagrams (and whatever they provoke) until quiet. */
  flush(): void {
    let guard = 0;
    while (this.queue.length > 0) {
      if (++guard > 100_000) throw new Error('network does not settle');
      const d = this.queue.shift()!;
      const verdict = this.filter(d);
      if (verdict === 'drop') continue;
      if (verdict === 'hold') {
        this.held.push(d);
        continue;
      }
      this.deliver(d);
    }
  }

  deliver(d: Datagram): void {
    const node = this.nodes.find((n) => n.addr.host === d.to.host && n.addr.port === d.to.port);
    if (!node) return;
    const out: Effect[] = [];
    // A batch of one datagram, as the engine hands them over: then the handshake budget.
    node.device.handleDatagram(d.data, d.from, this.now, out);
    node.device.handleHandshakes(this.now, out);
    this.absorb(node, out);
  }

  /** Advances the clock by `ms`, running every device's timers at their deadlines. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      let next = Number.POSITIVE_INFINITY;
      for (const n of this.nodes) {
        const d = n.device.nextDeadline();
        if (d !== null && d < next) next = d;
      }
      if (next > target) break;
      this.now = Math.max(this.now, next);
      for (const n of this.nodes) {
        const d = n.device.nextDeadline();
        if (d !== null && d <= this.now) {
          const out: Effect[] = [];
          n.device.handleTimers(this.now, out);
          this.absorb(n, out);
        }
      }
      this.flush();
    }
    this.now = target;
  }
}

export function peerConfig(
  node: Node,
  allowed: string[],
  extra: Partial<PeerConfig> = {},
): PeerConfig {
  return {
    publicKey: node.publicKey,
    endpoint: { ...node.addr },
    allowedIps: allowed.map(cidr),
    ...extra,
  };
}

export const A_ADDR: Endpoint = { host: '192.0.2.1', port: 51820 };
export const B_ADDR: Endpoint = { host: '198.51.100.2', port: 51821 };

/**
 * Two devices configured as each other's peer: A owns 10.0.0.1 / fd00::1,
 * B owns 10.0.0.2 / fd00::2 and routes 10.9.0.0/16 behind it.
 */
export function pair(
  opts: {
    psk?: Uint8Array;
    pskB?: Uint8Array;
    aExtra?: Partial<ConstructorParameters<typeof WireGuardDevice>[0]>;
    bExtra?: Partial<ConstructorParameters<typeof WireGuardDevice>[0]>;
    aPeer?: Partial<PeerConfig>;
    bPeer?: Partial<PeerConfig>;
    bKnowsA?: boolean;
    aKnowsBEndpoint?: boolean;
    bKnowsAEndpoint?: boolean;
  } = {},
): { net: Net; a: Node; b: Node } {
  const net = new Net();
  const a = net.addNode('a', { ...A_ADDR }, 1, opts.aExtra);
  const b = net.addNode('b', { ...B_ADDR }, 2, opts.bExtra);
  const aPeer = peerConfig(b, ['10.0.0.2/32', '10.9.0.0/16', 'fd00::2/128'], {
    ...(opts.psk ? { presharedKey: opts.psk } : {}),
    ...opts.aPeer,
  });
  if (opts.aKnowsBEndpoint === false) delete aPeer.endpoint;
  a.device.addPeer(aPeer);
  if (opts.bKnowsA !== false) {
    const psk = opts.pskB ?? opts.psk;
    const bPeer = peerConfig(a, ['10.0.0.1/32', 'fd00::1/128'], {
      ...(psk ? { presharedKey: psk } : {}),
      ...opts.bPeer,
    });
    if (opts.bKnowsAEndpoint === false) delete bPeer.endpoint;
    b.device.addPeer(bPeer);
  }
  return { net, a, b };
}

/** Runs a complete handshake started by A sending one IPv4 packet; returns that packet. */
export function establish(net: Net, a: Node, b: Node): Uint8Array {
  const p = ipv4Packet('10.0.0.1', '10.0.0.2', 16);
  a.tunIn(p);
  net.flush();
  void b;
  return p;
}

/**
 * The device's peer records, reached through its private table on purpose: tests
 * look at keypair slots and key bytes that no public API exposes.
 */
export function peersOf(device: WireGuardDevice): Peer[] {
  return [...(device['peers'] as Map<string, Peer>).values()];
}

/** The only peer of a two-node pair. */
export function onlyPeer(node: Node): Peer {
  const [peer, ...rest] = peersOf(node.device);
  if (!peer || rest.length > 0) throw new Error(`${node.name} has ${rest.length + 1} peers`);
  return peer;
}

/** Sum of all drop counters. */
export function totalDrops(node: Node): number {
  return Object.values(node.device.stats().drops).reduce((x, y) => x + y, 0);
}

/** Messages of one type a node has sent. */
export function sentOfType(node: Node, type: 1 | 2 | 3 | 4): Datagram[] {
  return node.sent.filter((d) => d.data[0] === type);
}
