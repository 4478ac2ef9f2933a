/**
 * Crafted IPv4/IPv6 TCP and UDP packets for the TUN offload tests, with an
 * independent (byte-by-byte) checksum so the addon's arithmetic is checked
 * against something it does not share.
 */

export const TCP = 6;
export const UDP = 17;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

export interface Spec {
  v: 4 | 6;
  proto?: number;
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  /** TCP options, padded by the caller to a multiple of 4. */
  options?: number[];
  payload: Uint8Array;
  /** IPv4 TOS / IPv6 traffic class (ECN in the low two bits). */
  tos?: number;
  ttl?: number;
  df?: boolean;
  id?: number;
  /** IPv4: a 4-byte options field (NOPs). */
  ipOptions?: boolean;
  /** IPv4: more-fragments flag. */
  fragment?: boolean;
  /** IPv6: a hop-by-hop extension header in front of the transport header. */
  hopByHop?: boolean;
  flowLabel?: number;
  /** UDP over IPv4: send without checksum (0). */
  noUdpChecksum?: boolean;
}

const SRC4 = [10, 0, 0, 1];
const DST4 = [10, 0, 0, 2];
const SRC6 = [0xfd, 0, ...new Array<number>(13).fill(0), 1];
const DST6 = [0xfd, 0, ...new Array<number>(13).fill(0), 2];

/** Timestamps option (NOP NOP TS), 12 bytes. */
export function timestamps(tsval: number, tsecr = 7): number[] {
  const be = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return [1, 1, 8, 10, ...be(tsval), ...be(tsecr)];
}

export function payloadOf(length: number, seed = 0): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return p;
}

export function sum16(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
  return sum;
}

export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

export interface Layout {
  v: 4 | 6;
  ipHeader: number;
  proto: number;
  l4Header: number;
}

export function layoutOf(p: Uint8Array): Layout {
  const v = (p[0]! >> 4) as 4 | 6;
  let ipHeader = v === 4 ? (p[0]! & 15) * 4 : 40;
  let proto = v === 4 ? p[9]! : p[6]!;
  if (v === 6 && proto === 0) {
    proto = p[40]!;
    ipHeader = 40 + (p[41]! + 1) * 8;
  }
  const l4Header = proto === TCP ? (p[ipHeader + 12]! >> 4) * 4 : 8;
  return { v, ipHeader, proto, l4Header };
}

function pseudo(p: Uint8Array, l: Layout, l4Length: number): number {
  const [src, dst] = l.v === 4 ? [12, 16] : [8, 24];
  const n = l.v === 4 ? 4 : 16;
  return sum16(p, src, src + n) + sum16(p, dst, dst + n) + l.proto + l4Length;
}

/** Sets the IPv4 header checksum and the transport checksum (full, not partial). */
export function fixChecksums(p: Uint8Array): Uint8Array {
  const l = layoutOf(p);
  if (l.v === 4) {
    p[10] = p[11] = 0;
    const c = ~fold(sum16(p, 0, l.ipHeader)) & 0xffff;
    p[10] = c >> 8;
    p[11] = c & 0xff;
  }
  const at = l.ipHeader + (l.proto === TCP ? 16 : 6);
  p[at] = p[at + 1] = 0;
  const l4 = p.length - l.ipHeader;
  let c = ~fold(sum16(p, l.ipHeader, p.length, pseudo(p, l, l4))) & 0xffff;
  if (l.proto === UDP && c === 0) c = 0xffff;
  p[at] = c >> 8;
  p[at + 1] = c & 0xff;
  return p;
}

/** Whether the IPv4 header checksum and the transport checksum verify. */
export function checksumsOk(p: Uint8Array): boolean {
  const l = layoutOf(p);
  if (l.v === 4 && fold(sum16(p, 0, l.ipHeader)) !== 0xffff) return false;
  const l4 = p.length - l.ipHeader;
  return fold(sum16(p, l.ipHeader, p.length, pseudo(p, l, l4))) === 0xffff;
}

/** The partial (NEEDS_CSUM) value of a packet's transport checksum field: folded pseudo sum. */
export function partialChecksum(p: Uint8Array): number {
  const l = layoutOf(p);
  return fold(pseudo(p, l, p.length - l.ipHeader));
}

export function packet(s: Spec): Uint8Array {
  const proto = s.proto ?? TCP;
  const opts = s.options ?? [];
  const l4Header = proto === TCP ? 20 + opts.length : 8;
  const ext = s.v === 6 && s.hopByHop ? 8 : 0;
  const ipHeader = s.v === 4 ? (s.ipOptions ? 24 : 20) : 40 + ext;
  const total = ipHeader + l4Header + s.payload.length;
  const p = new Uint8Array(total);
  const dv = new DataView(p.buffer);
  if (s.v === 4) {
    p[0] = 0x40 | (ipHeader / 4);
    p[1] = s.tos ?? 0;
    dv.setUint16(2, total);
    dv.setUint16(4, s.id ?? 1);
    dv.setUint16(6, (s.df === false ? 0 : 0x4000) | (s.fragment ? 0x2000 : 0));
    p[8] = s.ttl ?? 64;
    p[9] = proto;
    p.set(SRC4, 12);
    p.set(DST4, 16);
    if (s.ipOptions) p.fill(1, 20, 24);
  } else {
    dv.setUint32(0, (6 << 28) | ((s.tos ?? 0) << 20) | (s.flowLabel ?? 0));
    dv.setUint16(4, total - 40);
    p[6] = ext ? 0 : proto;
    p[7] = s.ttl ?? 64;
    p.set(SRC6, 8);
    p.set(DST6, 24);
    if (ext) {
      p[40] = proto;
      p[41] = 0;
      p[42] = 1; // PadN covering the rest
      p[43] = 4;
    }
  }
  const t = ipHeader;
  dv.setUint16(t, s.sport ?? 40000);
  dv.setUint16(t + 2, s.dport ?? 5201);
  if (proto === TCP) {
    dv.setUint32(t + 4, (s.seq ?? 1000) >>> 0);
    dv.setUint32(t + 8, (s.ack ?? 5000) >>> 0);
    p[t + 12] = (l4Header / 4) << 4;
    p[t + 13] = s.flags ?? ACK;
    dv.setUint16(t + 14, s.window ?? 512);
    p.set(opts, t + 20);
  } else {
    dv.setUint16(t + 4, l4Header + s.payload.length);
  }
  p.set(s.payload, t + l4Header);
  fixChecksums(p);
  if (proto === UDP && s.noUdpChecksum) p[t + 6] = p[t + 7] = 0;
  return p;
}

/** A virtio_net_hdr (host order, little-endian here). */
export function virtioHeader(h: {
  flags?: number;
  gsoType?: number;
  hdrLen?: number;
  gsoSize?: number;
  csumStart?: number;
  csumOffset?: number;
}): Uint8Array {
  const b = new Uint8Array(10);
  const dv = new DataView(b.buffer);
  b[0] = h.flags ?? 0;
  b[1] = h.gsoType ?? 0;
  dv.setUint16(2, h.hdrLen ?? 0, true);
  dv.setUint16(4, h.gsoSize ?? 0, true);
  dv.setUint16(6, h.csumStart ?? 0, true);
  dv.setUint16(8, h.csumOffset ?? 0, true);
  return b;
}

export function decodeVirtio(b: Uint8Array): {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
} {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    flags: b[0]!,
    gsoType: b[1]!,
    hdrLen: dv.getUint16(2, true),
    gsoSize: dv.getUint16(4, true),
    csumStart: dv.getUint16(6, true),
    csumOffset: dv.getUint16(8, true),
  };
}

/** Puts the partial (pseudo-header) checksum in the transport field, as a NEEDS_CSUM packet has. */
export function makePartial(p: Uint8Array): Uint8Array {
  const l = layoutOf(p);
  const at = l.ipHeader + (l.proto === TCP ? 16 : 6);
  const c = partialChecksum(p);
  p[at] = c >> 8;
  p[at + 1] = c & 0xff;
  return p;
}

export const field = {
  seq: (p: Uint8Array): number =>
    new DataView(p.buffer, p.byteOffset).getUint32(layoutOf(p).ipHeader + 4),
  flags: (p: Uint8Array): number => p[layoutOf(p).ipHeader + 13]!,
  id: (p: Uint8Array): number => (p[4]! << 8) | p[5]!,
  payload: (p: Uint8Array): Uint8Array => {
    const l = layoutOf(p);
    return p.subarray(l.ipHeader + l.l4Header);
  },
  udpLength: (p: Uint8Array): number => {
    const t = layoutOf(p).ipHeader;
    return (p[t + 4]! << 8) | p[t + 5]!;
  },
};

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
