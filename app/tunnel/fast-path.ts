/**
 * The core's side of the addon's native data path (native/src/fastpath): turns
 * what the sans-IO core publishes (peers, endpoints, AllowedIPs, keypairs) into
 * the addon's tables, and what the addon reports back into the core's terms.
 * The core stays the authority: the native side only carries transport
 * messages for keypairs the core handed it and says what it saw.
 */
import { formatIp } from '../config/ip.js';
import type { FastPath, FastPathKeypair, FastPathRecord } from '../native/types.js';
import { EndpointCodec } from './endpoint-codec.js';
import { FAST_PATH_ENDPOINT_MOVED } from './wireguard/constants.js';
import type {
  Cidr,
  DropReason,
  Endpoint,
  FastPathActivity,
  FastPathSink,
  KeypairView,
} from './wireguard/types.js';

const PREFIX_BYTES = 18;

/** AllowedIPs in the addon's layout: family, prefix length, 16 address bytes each. */
export function packPrefixes(prefixes: readonly Cidr[]): Uint8Array {
  const out = new Uint8Array(prefixes.length * PREFIX_BYTES);
  prefixes.forEach((prefix, i) => {
    const at = i * PREFIX_BYTES;
    out[at] = prefix.address.length === 4 ? 4 : 6;
    out[at + 1] = prefix.prefixLength;
    out.set(prefix.address, at + 2);
  });
  return out;
}

function keypairFor(keypair: KeypairView, next: boolean, now: number): FastPathKeypair {
  return {
    localIndex: keypair.localIndex,
    remoteIndex: keypair.remoteIndex,
    sendKey: keypair.sendKey,
    receiveKey: keypair.receiveKey,
    counterHi: keypair.sendCounterHi,
    counterLo: keypair.sendCounterLo,
    ageMs: Math.max(0, Math.min(0xffffffff, Math.floor(now - keypair.created))),
    next,
  };
}

export class NativeFastPathSink implements FastPathSink {
  private readonly codec = new EndpointCodec();

  constructor(private readonly native: FastPath) {}

  setPeer(id: number, endpoint: Endpoint | null, allowedIps: readonly Cidr[]): void {
    // A host name (not yet resolved) is no endpoint for the data path: the core then handles it.
    const addr = endpoint ? this.codec.toBytes(endpoint) : null;
    this.native.setPeer(id, packPrefixes(allowedIps), addr, addr && endpoint ? endpoint.port : 0);
  }

  removePeer(id: number): void {
    this.native.removePeer(id);
  }

  setKeypairs(
    id: number,
    send: KeypairView | null,
    receiving: readonly KeypairView[],
    next: KeypairView | null,
    now: number,
  ): void {
    this.native.setKeypairs(
      id,
      send ? keypairFor(send, false, now) : null,
      receiving.map((k) => keypairFor(k, k === next, now)),
    );
  }

  transmit(id: number, packet: Uint8Array, padded: number): boolean {
    // A send error (a full socket buffer) is a lost datagram, as on any UDP path; the
    // counter was still used.
    return this.native.transmit(id, packet, padded) !== -1;
  }

  peerCounters(
    id: number,
  ): { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number } | null {
    const c = this.native.peerCounters(id);
    return c ? { rxBytes: c[0], rxPackets: c[1], txBytes: c[2], txPackets: c[3] } : null;
  }

  drops(): Partial<Record<DropReason, number>> {
    return this.native.drops() as Partial<Record<DropReason, number>>;
  }
}

/** An activity record from the addon in the core's terms. */
export function activityOf(record: FastPathRecord): FastPathActivity {
  const moved = (record.flags & FAST_PATH_ENDPOINT_MOVED) !== 0 && record.addr && record.port;
  return {
    id: record.id,
    flags: record.flags,
    nextIndex: record.nextIndex,
    endpoint: moved ? { host: formatIp(record.addr!), port: record.port! } : null,
  };
}

/** Two sets of counters added field by field (the JS objects' and the native threads' syscalls). */
export function addCounters<T extends object>(a: T, b: T | null | undefined): T {
  if (!b) return a;
  const out = { ...a } as Record<string, unknown>;
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    if (typeof value === 'number' && typeof mine === 'number') out[key] = mine + value;
  }
  return out as T;
}
