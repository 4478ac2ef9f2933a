/**
 * Parses a peer Endpoint: `1.2.3.4:51820`, `[2001:db8::1]:51820` or
 * `vpn.example.com:51820`. Host names are kept for resolution at start-up,
 * as wg(8) resolves them once when the configuration is applied.
 */
import { isHostName } from './host-name.js';
import { formatIp, parseIp } from './ip.js';
import { quote } from './quote.js';

export interface ParsedEndpoint {
  host: string;
  port: number;
  isIpLiteral: boolean;
}

function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new Error(`Endpoint port ${quote(text)} is not a number from 1 to 65535`);
  }
  return Number(text);
}

/** Throws an Error whose message is a complete, user-facing problem description. */
export function parseEndpoint(text: string): ParsedEndpoint {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw new Error(`Endpoint ${quote(text)} is missing the closing "]"`);
    const inner = text.slice(1, close);
    const rest = text.slice(close + 1);
    const ip = parseIp(inner);
    if (!ip || ip.family !== 6) {
      const why = inner.includes('%') ? ' (zone ids are not supported)' : '';
      throw new Error(`Endpoint ${quote(inner)} is not a valid IPv6 address${why}`);
    }
    if (!rest.startsWith(':')) {
      throw new Error(`Endpoint ${quote(text)} has no port (expected [address]:port)`);
    }
    return { host: formatIp(ip.bytes), port: parsePort(rest.slice(1)), isIpLiteral: true };
  }

  const colon = text.lastIndexOf(':');
  if (colon === -1) throw new Error(`Endpoint ${quote(text)} has no port (expected host:port)`);
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (host.includes(':')) {
    // Without brackets the port cannot be told apart from the last address group.
    const example = parseIp(host) ? `[${host}]:${portText}` : '[2001:db8::1]:51820';
    throw new Error(`Endpoint ${quote(text)}: IPv6 addresses need brackets, e.g. ${example}`);
  }
  const ip = parseIp(host);
  if (ip) return { host: formatIp(ip.bytes), port: parsePort(portText), isIpLiteral: true };
  if (/^[0-9.]+$/.test(host))
    throw new Error(`Endpoint ${quote(host)} is not a valid IPv4 address`);
  if (!isHostName(host)) throw new Error(`Endpoint ${quote(host)} is not a valid host name`);
  return { host, port: parsePort(portText), isIpLiteral: false };
}

/** `host:port`, with an IPv6 address in brackets, as wg(8) and wg-quick write it. */
export function formatEndpoint(endpoint: { host: string; port: number }): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}
