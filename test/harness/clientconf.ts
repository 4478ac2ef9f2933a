// WireGuard configuration files: wg-quick style client configs (what Slipstream imports) and
// the plain `wg setconf` subset, rendered from parts and parsed back.
// Errors name the offending field or line number, never its value (it may be a key).
import path from 'node:path';
import { makeTempDir, writePrivateFile } from './tempfiles.js';
import { assertWgKey } from './wg-tools.js';

export interface PeerParts {
  publicKey: string;
  presharedKey?: string;
  /** "host:port" or "[v6]:port" */
  endpoint?: string;
  allowedIps: string[];
  persistentKeepalive?: number;
}

export interface ClientConfigParts {
  privateKey: string;
  /** Interface addresses with prefix length, e.g. ["10.200.0.2/32", "fd200::2/128"]. */
  addresses?: string[];
  dns?: string[];
  mtu?: number;
  listenPort?: number;
  peers: PeerParts[];
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${what} must be an integer 0-65535`);
  }
}

function checkCidr(cidr: string, what: string): void {
  if (!/^[0-9A-Fa-f.:]+\/\d{1,3}$/.test(cidr)) {
    throw new Error(`${what} must be an address with prefix length like 10.0.0.2/32, got ${cidr}`);
  }
}

/** Validates parts; throws a short error naming the bad field. */
export function validateConfigParts(parts: ClientConfigParts): void {
  assertWgKey(parts.privateKey, 'privateKey');
  for (const a of parts.addresses ?? []) checkCidr(a, 'address');
  for (const d of parts.dns ?? []) {
    if (!/^[0-9A-Za-z.:_-]+$/.test(d)) throw new Error(`invalid DNS entry ${JSON.stringify(d)}`);
  }
  if (
    parts.mtu !== undefined &&
    (!Number.isInteger(parts.mtu) || parts.mtu < 576 || parts.mtu > 65535)
  ) {
    throw new Error('mtu must be an integer 576-65535');
  }
  if (parts.listenPort !== undefined) checkPort(parts.listenPort, 'listenPort');
  parts.peers.forEach((p, i) => {
    const where = `peer ${i + 1}`;
    assertWgKey(p.publicKey, `${where} publicKey`);
    if (p.presharedKey !== undefined) assertWgKey(p.presharedKey, `${where} presharedKey`);
    for (const a of p.allowedIps) checkCidr(a, `${where} allowed IP`);
    if (
      p.endpoint !== undefined &&
      !/^(\[[0-9A-Fa-f:.%\w]+\]|[^\s:[\]]+):\d{1,5}$/.test(p.endpoint)
    ) {
      throw new Error(`${where} endpoint must be host:port or [v6]:port, got ${p.endpoint}`);
    }
    if (
      p.persistentKeepalive !== undefined &&
      (!Number.isInteger(p.persistentKeepalive) ||
        p.persistentKeepalive < 0 ||
        p.persistentKeepalive > 65535)
    ) {
      throw new Error(`${where} persistentKeepalive must be an integer 0-65535`);
    }
  });
}

function render(parts: ClientConfigParts, wgQuick: boolean): string {
  validateConfigParts(parts);
  const lines = ['[Interface]', `PrivateKey = ${parts.privateKey}`];
  if (parts.listenPort !== undefined) lines.push(`ListenPort = ${parts.listenPort}`);
  if (wgQuick) {
    if (parts.addresses && parts.addresses.length > 0) {
      lines.push(`Address = ${parts.addresses.join(', ')}`);
    }
    if (parts.dns && parts.dns.length > 0) lines.push(`DNS = ${parts.dns.join(', ')}`);
    if (parts.mtu !== undefined) lines.push(`MTU = ${parts.mtu}`);
  }
  for (const p of parts.peers) {
    lines.push('', '[Peer]', `PublicKey = ${p.publicKey}`);
    if (p.presharedKey !== undefined) lines.push(`PresharedKey = ${p.presharedKey}`);
    if (p.allowedIps.length > 0) lines.push(`AllowedIPs = ${p.allowedIps.join(', ')}`);
    if (p.endpoint !== undefined) lines.push(`Endpoint = ${p.endpoint}`);
    if (p.persistentKeepalive !== undefined) {
      lines.push(`PersistentKeepalive = ${p.persistentKeepalive}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** A wg-quick style config (with Address, DNS, MTU). */
export function renderClientConfig(parts: ClientConfigParts): string {
  return render(parts, true);
}

/** The same without the wg-quick-only keys, as `wg setconf` accepts it. */
export function renderWgSetconf(parts: ClientConfigParts): string {
  return render(parts, false);
}

export interface WriteConfigOptions {
  /** File name without ".conf"; wg-quick takes it as the interface name. Default "slipstream". */
  name?: string;
  /** Directory to write into. Default: a fresh 0700 temp dir removed at cleanupAll. */
  dir?: string;
}

/** Writes a wg-quick style config (mode 0600) and returns its path. */
export async function writeClientConfig(
  parts: ClientConfigParts,
  opts: WriteConfigOptions = {},
): Promise<string> {
  const name = opts.name ?? 'slipstream';
  if (!/^[A-Za-z0-9_=+.-]{1,15}$/.test(name)) {
    throw new Error(`config name must be a valid interface name (1-15 chars), got ${name}`);
  }
  const text = renderClientConfig(parts);
  const dir = opts.dir ?? makeTempDir('ss-conf-').path;
  return writePrivateFile(path.resolve(dir), `${name}.conf`, text);
}

const splitList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function parseIntField(v: string, what: string, line: number): number {
  if (!/^\d+$/.test(v)) throw new Error(`line ${line}: ${what} must be a number`);
  return Number(v);
}

/**
 * Parses a wg-quick or `wg showconf` style config. Keys are case-insensitive as in wg;
 * wg-quick keys that are not about the tunnel itself (Table, PostUp, ...) are ignored.
 */
export function parseWgConfig(text: string): ClientConfigParts {
  let section: 'none' | 'interface' | 'peer' = 'none';
  let privateKey: string | undefined;
  const result: Omit<ClientConfigParts, 'privateKey'> = { peers: [] };
  let peer: PeerParts | undefined;
  text.split('\n').forEach((raw, index) => {
    const n = index + 1;
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      const s = header[1]?.toLowerCase();
      if (s === 'interface') section = 'interface';
      else if (s === 'peer') {
        section = 'peer';
        peer = { publicKey: '', allowedIps: [] };
        result.peers.push(peer);
      } else throw new Error(`line ${n}: unknown section [${header[1]}]`);
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${n}: expected "Key = Value"`);
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (section === 'interface') {
      if (key === 'privatekey') privateKey = value;
      else if (key === 'address') (result.addresses ??= []).push(...splitList(value));
      else if (key === 'dns') (result.dns ??= []).push(...splitList(value));
      else if (key === 'mtu') result.mtu = parseIntField(value, 'MTU', n);
      else if (key === 'listenport') result.listenPort = parseIntField(value, 'ListenPort', n);
    } else if (section === 'peer' && peer) {
      if (key === 'publickey') peer.publicKey = value;
      else if (key === 'presharedkey') peer.presharedKey = value;
      else if (key === 'allowedips') peer.allowedIps.push(...splitList(value));
      else if (key === 'endpoint') peer.endpoint = value;
      else if (key === 'persistentkeepalive') {
        if (value.toLowerCase() !== 'off') {
          peer.persistentKeepalive = parseIntField(value, 'PersistentKeepalive', n);
        }
      } else throw new Error(`line ${n}: unknown peer key ${line.slice(0, eq).trim()}`);
    } else {
      throw new Error(`line ${n}: key outside of a section`);
    }
  });
  if (privateKey === undefined) throw new Error('config has no [Interface] PrivateKey');
  const parts: ClientConfigParts = { privateKey, ...result };
  validateConfigParts(parts);
  return parts;
}
