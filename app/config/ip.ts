/**
 * Strict IP address and prefix parsing and canonical formatting, shared by the
 * config parser and the tunnel (which formats datagram senders). Strict means
 * what `wg` and the kernel accept: dotted-quad IPv4 without leading zeros, and
 * IPv6 in RFC 4291 text form without zone ids (a tunnel address has no scope).
 */
import type { Cidr } from '../tunnel/wireguard/types.js';
import { quote } from './quote.js';

export type IpFamily = 4 | 6;

export interface ParsedIp {
  bytes: Uint8Array;
  family: IpFamily;
}

/** An address with its prefix length, host bits kept (an interface address like 10.0.0.2/24). */
export interface IpPrefix extends ParsedIp {
  prefixLength: number;
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // Leading zeros are rejected because inet_aton reads them as octal.
    if (!DECIMAL_OCTET.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[i] = value;
  }
  return bytes;
}

/** Parses colon-separated hex groups (with an optional trailing dotted IPv4) into 16-bit words. */
function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return null;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!HEX_GROUP.test(part)) return null;
      words.push(parseInt(part, 16));
    }
  }
  return words;
}

function parseIpv6(text: string): Uint8Array | null {
  // Zone ids ("%eth0") and anything else outside the hex/colon/dot alphabet.
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const gap = text.indexOf('::');
  let words: number[];
  if (gap === -1) {
    const all = parseGroups(text);
    if (!all || all.length !== 8) return null;
    words = all;
  } else {
    if (text.indexOf('::', gap + 1) !== -1) return null;
    const head = parseGroups(text.slice(0, gap));
    const tail = parseGroups(text.slice(gap + 2));
    if (!head || !tail) return null;
    // An embedded IPv4 is only allowed at the very end.
    if (text.slice(0, gap).includes('.')) return null;
    // "::" stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** Parses an IPv4 or IPv6 literal (no brackets, no zone id); null when it is not one. */
export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? { bytes, family: 6 } : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? { bytes, family: 4 } : null;
}

function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses keep the dotted tail, as inet_ntop and RFC 5952 §5 do.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // RFC 5952: compress the longest run (first one on a tie) of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart === -1) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** Canonical text of a 4- or 16-byte address (RFC 5952 for IPv6). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) return formatIpv6(bytes);
  throw new Error(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

/** Parses `address/prefix` or a bare address (a host prefix); host bits are kept. */
export function parseIpPrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  if (!ip) {
    const why = addressText.includes('%') ? ' (zone ids are not supported)' : '';
    throw new Error(`${quote(text)} is not a valid IP address${why}`);
  }
  const maxLength = ip.family === 4 ? 32 : 128;
  if (slash === -1) return { ...ip, prefixLength: maxLength };
  const prefixText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maxLength) {
    throw new Error(
      `${quote(text)} has an invalid prefix length (0..${maxLength} for IPv${ip.family})`,
    );
  }
  return { ...ip, prefixLength: Number(prefixText) };
}

/** A copy of `bytes` with every bit after the first `prefixLength` cleared. */
export function maskToPrefix(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - 8 * i));
    out[i] = out[i]! & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

/** Parses a CIDR (or bare address) into its network: host bits are cleared, as `wg` does. */
export function parseCidr(text: string): Cidr {
  const prefix = parseIpPrefix(text);
  return {
    address: maskToPrefix(prefix.bytes, prefix.prefixLength),
    prefixLength: prefix.prefixLength,
  };
}

/** `address/prefix` in canonical form. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.address)}/${cidr.prefixLength}`;
}
