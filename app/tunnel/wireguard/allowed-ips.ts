/**
 * Cryptokey routing table (whitepaper §2): longest-prefix match from an IPv4
 * or IPv6 address to the peer owning it. A prefix belongs to at most one
 * peer; inserting it for another peer moves it, as `wg set ... allowed-ips`
 * does. A plain binary trie: lookups walk at most as many nodes as the
 * longest prefix on the address's path, with no allocation.
 */
import type { Cidr } from './types.js';

class TrieNode<T> {
  zero: TrieNode<T> | null = null;
  one: TrieNode<T> | null = null;
  value: T | null = null;
}

function bitAt(address: Uint8Array, offset: number, bit: number): number {
  return (address[offset + (bit >>> 3)]! >>> (7 - (bit & 7))) & 1;
}

/** Validates a prefix and returns its address with host bits cleared. */
export function canonicalPrefix(cidr: Cidr): Cidr {
  const addr = cidr.address;
  if (!(addr instanceof Uint8Array) || (addr.length !== 4 && addr.length !== 16)) {
    throw new Error('allowed IP address must be 4 or 16 bytes');
  }
  const bits = addr.length * 8;
  const len = cidr.prefixLength;
  if (!Number.isInteger(len) || len < 0 || len > bits)
    throw new Error(`prefix length must be 0..${bits}`);
  const masked = new Uint8Array(addr.length);
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    masked[i] = addr[i]! & ((0xff00 >>> keep) & 0xff);
  }
  return { address: masked, prefixLength: len };
}

/** Whether two canonical prefixes are the same network. */
export function samePrefix(a: Cidr, b: Cidr): boolean {
  if (a.prefixLength !== b.prefixLength || a.address.length !== b.address.length) return false;
  return a.address.every((byte, i) => byte === b.address[i]);
}

export class AllowedIps<T> {
  private readonly v4 = new TrieNode<T>();
  private readonly v6 = new TrieNode<T>();

  /** Assigns the prefix to `value`, taking it from whoever had it. */
  insert(cidr: Cidr, value: T): void {
    const { address, prefixLength } = canonicalPrefix(cidr);
    let node = address.length === 4 ? this.v4 : this.v6;
    for (let bit = 0; bit < prefixLength; bit++) {
      if (bitAt(address, 0, bit) === 0) node = node.zero ??= new TrieNode<T>();
      else node = node.one ??= new TrieNode<T>();
    }
    node.value = value;
  }

  /**
   * Longest-prefix match of the address at `data[offset .. offset+length)`,
   * length 4 or 16 (so a packet's source or destination is looked up in place).
   */
  lookup(data: Uint8Array, offset: number, length: 4 | 16): T | null {
    let node: TrieNode<T> | null = length === 4 ? this.v4 : this.v6;
    let best: T | null = node.value;
    const bits = length * 8;
    for (let bit = 0; bit < bits; bit++) {
      node = bitAt(data, offset, bit) === 0 ? node.zero : node.one;
      if (node === null) break;
      if (node.value !== null) best = node.value;
    }
    return best;
  }

  /** Removes every prefix assigned to `value`. */
  removeValue(value: T): void {
    prune(this.v4, value);
    prune(this.v6, value);
  }

  /** The prefixes assigned to `value`. */
  prefixesOf(value: T): Cidr[] {
    const out: Cidr[] = [];
    collect(this.v4, value, new Uint8Array(4), 0, out);
    collect(this.v6, value, new Uint8Array(16), 0, out);
    return out;
  }
}

/** Clears `value` below `node`; returns true when `node` became empty and can be unlinked. */
function prune<T>(node: TrieNode<T>, value: T): boolean {
  if (node.value === value) node.value = null;
  if (node.zero && prune(node.zero, value)) node.zero = null;
  if (node.one && prune(node.one, value)) node.one = null;
  return node.value === null && node.zero === null && node.one === null;
}

function collect<T>(
  node: TrieNode<T>,
  value: T,
  path: Uint8Array,
  depth: number,
  out: Cidr[],
): void {
  if (node.value === value) out.push({ address: path.slice(), prefixLength: depth });
  if (node.zero) collect(node.zero, value, path, depth + 1, out);
  if (node.one) {
    path[depth >>> 3] = path[depth >>> 3]! | (0x80 >>> (depth & 7));
    collect(node.one, value, path, depth + 1, out);
    path[depth >>> 3] = path[depth >>> 3]! & ~(0x80 >>> (depth & 7));
  }
}
