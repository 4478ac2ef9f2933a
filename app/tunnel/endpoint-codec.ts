/**
 * Converts between the core's string endpoints and the addon's raw address
 * bytes. Both directions are cached because a tunnel talks to very few
 * endpoints: a bulk transfer would otherwise format an address per packet.
 */
import type { DatagramBatch } from '../native/types.js';
import type { Endpoint } from './wireguard/types.js';
import { formatIp, parseIp } from '../config/ip.js';

export class EndpointCodec {
  private readonly toBytesCache = new Map<string, Uint8Array | null>();
  private last: Endpoint | null = null;
  private readonly lastKey = new Uint8Array(19);

  /** Raw bytes for an endpoint's host, or null when it is not an IP literal. */
  toBytes(endpoint: Endpoint): Uint8Array | null {
    let bytes = this.toBytesCache.get(endpoint.host);
    if (bytes === undefined) {
      bytes = parseIp(endpoint.host)?.bytes ?? null;
      if (this.toBytesCache.size > 1024) this.toBytesCache.clear();
      this.toBytesCache.set(endpoint.host, bytes);
    }
    return bytes;
  }

  /** The sender of datagram i, reusing the previous object when the sender repeats. */
  fromBatch(batch: DatagramBatch, i: number): Endpoint {
    const family = batch.families[i]!;
    const port = batch.ports[i]!;
    const len = family === 4 ? 4 : 16;
    const at = i * 16;
    const key = this.lastKey;
    let same =
      this.last !== null && key[0] === family && key[1] === port >> 8 && key[2] === (port & 0xff);
    for (let j = 0; same && j < len; j++) same = key[3 + j] === batch.addrs[at + j];
    if (same && this.last) return this.last;
    key[0] = family;
    key[1] = port >> 8;
    key[2] = port & 0xff;
    for (let j = 0; j < len; j++) key[3 + j] = batch.addrs[at + j]!;
    this.last = { host: formatIp(batch.addrs.subarray(at, at + len)), port };
    return this.last;
  }
}
