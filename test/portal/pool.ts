// Address pools (--pool 10.200.0.0/24, --pool6 fd00:200::/64): host number n of a pool is
// base + n. A device gets the same n in both pools, so its v4 and v6 addresses match
// (10.200.0.5 ↔ fd00:200::5), which makes demos and logs easier to follow.
import { isIP } from 'node:net';

export class Pool {
  private constructor(
    readonly family: 4 | 6,
    private readonly base: bigint,
    readonly prefix: number,
  ) {}

  static parse(cidr: string): Pool {
    const [addr = '', len = ''] = cidr.split('/');
    const family = isIP(addr);
    const prefix = Number(len);
    const bits = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d{1,3}$/.test(len) || prefix > bits - 2) {
      throw new Error(`${cidr} is not an address pool (CIDR with room for hosts)`);
    }
    const value = family === 4 ? v4ToBigInt(addr) : v6ToBigInt(addr);
    const hostBits = BigInt(bits - prefix);
    // Clear host bits, so "10.200.0.1/24" means the same as "10.200.0.0/24".
    const base = (value >> hostBits) << hostBits;
    return new Pool(family === 4 ? 4 : 6, base, prefix);
  }

  /** Highest usable host number (v4 skips the broadcast address). */
  get lastHost(): bigint {
    const hostBits = BigInt((this.family === 4 ? 32 : 128) - this.prefix);
    return (1n << hostBits) - (this.family === 4 ? 2n : 1n);
  }

  /** Host number n as an address string (n from 1 to lastHost). */
  host(n: bigint): string {
    if (n < 1n || n > this.lastHost) throw new Error('host number outside the pool');
    const v = this.base + n;
    return this.family === 4 ? bigIntToV4(v) : bigIntToV6(v);
  }

  /** The address with its single-host prefix, as WireGuard allowed-ips and the API use it. */
  hostCidr(n: bigint): string {
    return `${this.host(n)}/${this.family === 4 ? 32 : 128}`;
  }
}

function v4ToBigInt(a: string): bigint {
  return a.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function bigIntToV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function v6ToBigInt(a: string): bigint {
  const [head = '', tail] = a.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToV6(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  );
  // The URL parser prints IPv6 literals in their canonical compressed form (RFC 5952).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
