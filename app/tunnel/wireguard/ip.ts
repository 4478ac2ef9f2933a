/**
 * The little IP parsing the core needs: inner packet headers (version,
 * length, addresses) and endpoint address literals (for cookies and
 * rate limiting, which key on the sender's address).
 */

export const IPV4_HEADER_LENGTH = 20;
export const IPV6_HEADER_LENGTH = 40;
export const IPV4_SOURCE_OFFSET = 12;
export const IPV4_DESTINATION_OFFSET = 16;
export const IPV6_SOURCE_OFFSET = 8;
export const IPV6_DESTINATION_OFFSET = 24;

/** 4 or 6 for a plausibly sized IPv4/IPv6 packet, otherwise 0. */
export function ipVersion(packet: Uint8Array): 0 | 4 | 6 {
  if (packet.length === 0) return 0;
  const v = packet[0]! >>> 4;
  if (v === 4) return packet.length >= IPV4_HEADER_LENGTH ? 4 : 0;
  if (v === 6) return packet.length >= IPV6_HEADER_LENGTH ? 6 : 0;
  return 0;
}

/**
 * The packet's own idea of its length (IPv4 total length, IPv6 payload
 * length + 40), or -1 if it is inconsistent with the bytes present. Padding
 * after that length is what the receiver strips.
 */
export function innerLength(packet: Uint8Array, version: 4 | 6): number {
  if (version === 4) {
    const total = (packet[2]! << 8) | packet[3]!;
    return total >= IPV4_HEADER_LENGTH && total <= packet.length ? total : -1;
  }
  const total = ((packet[4]! << 8) | packet[5]!) + IPV6_HEADER_LENGTH;
  return total <= packet.length ? total : -1;
}

/** Raw bytes of an IPv4 or IPv6 literal (IPv6 zone suffix ignored), or null. */
export function parseIpLiteral(host: string): Uint8Array | null {
  if (host.includes(':')) return parseIpv6(host);
  return parseIpv4(host);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(input: string): Uint8Array | null {
  const zone = input.indexOf('%');
  const text = zone >= 0 ? input.slice(0, zone) : input;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const words = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const groups = s.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >>> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}

/**
 * The address || port (big endian) bytes cookies are bound to. Hosts that
 * are not IP literals are used as text, which still binds the cookie to them.
 */
export function endpointBytes(host: string, port: number): Uint8Array {
  const ip = parseIpLiteral(host) ?? new TextEncoder().encode(host);
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (port >>> 8) & 0xff;
  out[ip.length + 1] = port & 0xff;
  return out;
}
