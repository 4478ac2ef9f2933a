/**
 * Parser for wg-quick `.conf` text: one `[Interface]` section and any number of
 * `[Peer]` sections of `Key = Value` lines, `#` comments and blank lines, with
 * the semantics wg(8) and wg-quick(8) give each key. Every problem becomes a
 * ConfigError naming the line and key; values of secret keys are never echoed.
 */
import type { Cidr } from '../tunnel/wireguard/types.js';
import { decodeBase64Key } from './base64-key.js';
import { parseEndpoint } from './endpoint.js';
import { ConfigError } from './errors.js';
import { isHostName } from './host-name.js';
import { formatCidr, formatIp, maskToPrefix, parseIp, parseIpPrefix } from './ip.js';
import { quote } from './quote.js';
import {
  findSetting,
  SECTION_HEADER,
  suggestSetting,
  type Setting,
  type SettingName,
} from './settings.js';
import type {
  AddressConfig,
  ConfigWarning,
  EndpointConfig,
  InterfaceSection,
  PeerSection,
  WgQuickConfig,
} from './types.js';

export const MAX_LINE_LENGTH = 4096;
const MIN_MTU = 576;
const MIN_IPV6_MTU = 1280;

interface SectionDraft {
  line: number;
  /** Where each single-valued key was first set, to report duplicates. */
  seen: Map<SettingName, number>;
}

interface InterfaceDraft extends SectionDraft {
  privateKey?: Uint8Array;
  addresses: AddressConfig[];
  dns: string[];
  dnsSearch: string[];
  mtu?: { value: number; line: number };
  listenPort?: number;
  fwmark?: number;
}

interface PeerDraft extends SectionDraft {
  publicKey?: Uint8Array;
  presharedKey?: Uint8Array;
  endpoint?: EndpointConfig;
  allowedIps: Cidr[];
  allowedIpsText: string[];
  persistentKeepalive?: number;
}

type Current =
  { kind: 'interface'; draft: InterfaceDraft } | { kind: 'peer'; draft: PeerDraft } | null;

/**
 * Key and section names are only echoed when they look like names: a key pasted
 * on a line of its own ("yAnz...Bmk=") parses as a key name and must not end up
 * in a message.
 */
function looksLikeName(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_-]{0,23}$/.test(text);
}

function showKeyName(key: string): string | null {
  return looksLikeName(key) ? quote(key) : null;
}

function parseDecimal(text: string, min: number, max: number): number | null {
  if (!/^[0-9]{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

function splitList(text: string): string[] {
  return text.split(',').map((entry) => entry.trim());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

class WgQuickParser {
  private iface: InterfaceDraft | null = null;
  private readonly peers: PeerDraft[] = [];
  private current: Current = null;
  private readonly warnings: ConfigWarning[] = [];
  /** Canonical public key -> line of its [Peer], to reject duplicate peers. */
  private readonly peerKeys = new Map<string, number>();
  /** Canonical AllowedIPs network -> line of the [Peer] that claimed it first. */
  private readonly claimedNetworks = new Map<string, number>();
  private lineNumber = 0;

  constructor(private readonly file: string) {}

  private fail(problem: string, line = this.lineNumber): never {
    throw new ConfigError(this.file, line, problem);
  }

  private warn(message: string, line = this.lineNumber): void {
    this.warnings.push({ file: this.file, line, message });
  }

  parse(text: string): WgQuickConfig {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      this.lineNumber = i + 1;
      let raw = lines[i]!;
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      if (i === 0 && raw.startsWith('\uFEFF')) raw = raw.slice(1);
      if (raw.length > MAX_LINE_LENGTH) {
        this.fail(`line too long (more than ${MAX_LINE_LENGTH} characters)`);
      }
      const hash = raw.indexOf('#');
      const content = (hash === -1 ? raw : raw.slice(0, hash)).trim();
      if (content === '') continue;
      if (content.startsWith('[')) this.openSection(content);
      else this.setting(content);
    }
    return this.finish();
  }

  private openSection(content: string): void {
    const match = /^\[\s*([^\]]*?)\s*\]$/.exec(content);
    if (!match) this.fail('malformed section header (expected [Interface] or [Peer])');
    const name = match[1]!;
    const seen = new Map<SettingName, number>();
    switch (name.toLowerCase()) {
      case 'interface': {
        if (this.iface)
          this.fail(`second [Interface] section (the first is on line ${this.iface.line})`);
        this.iface = { line: this.lineNumber, seen, addresses: [], dns: [], dnsSearch: [] };
        this.current = { kind: 'interface', draft: this.iface };
        return;
      }
      case 'peer': {
        const peer: PeerDraft = { line: this.lineNumber, seen, allowedIps: [], allowedIpsText: [] };
        this.peers.push(peer);
        this.current = { kind: 'peer', draft: peer };
        return;
      }
      default: {
        const shown = looksLikeName(name) ? ` [${name}]` : '';
        this.fail(`unknown section${shown} (expected [Interface] or [Peer])`);
      }
    }
  }

  private setting(content: string): void {
    const eq = content.indexOf('=');
    if (eq === -1) this.fail('expected "Key = Value" or a [Section] header');
    const key = content.slice(0, eq).trim();
    const value = content.slice(eq + 1).trim();
    if (key === '') this.fail('missing key name before "="');

    const setting = findSetting(key);
    const current = this.current;
    if (!current) {
      const shown = setting ? setting.name : showKeyName(key);
      this.fail(`${shown ?? 'setting'} appears before any [Interface] or [Peer] section`);
    }
    const header = SECTION_HEADER[current.kind];
    if (!setting) {
      const shown = showKeyName(key);
      const other = current.kind === 'interface' ? 'peer' : 'interface';
      const here = suggestSetting(key, current.kind);
      const there = here ? undefined : suggestSetting(key, other);
      const hint = here
        ? ` (did you mean ${here}?)`
        : there
          ? ` (did you mean ${there}? It belongs in ${SECTION_HEADER[other]})`
          : '';
      if (!shown) this.fail(`not a known "Key = Value" setting of ${header}`);
      this.fail(`unknown key ${shown} in ${header}${hint}`);
    }
    if (setting.section !== current.kind) {
      this.fail(`${setting.name} belongs in ${SECTION_HEADER[setting.section]}, not in ${header}`);
    }
    if (setting.ignored) {
      this.warn(
        setting.ignored === 'hook'
          ? `${setting.name} is a wg-quick hook; Slipstream never runs it`
          : `${setting.name} is a wg-quick setting Slipstream does not support; ignored`,
      );
      return;
    }
    if (!setting.repeatable) {
      const first = current.draft.seen.get(setting.name);
      if (first !== undefined) this.fail(`duplicate ${setting.name} (first set on line ${first})`);
      current.draft.seen.set(setting.name, this.lineNumber);
      if (value === '') this.fail(`${setting.name} has no value`);
    }

    if (current.kind === 'interface') this.interfaceSetting(current.draft, setting, value);
    else this.peerSetting(current.draft, setting, value);
  }

  private key(setting: Setting, value: string): Uint8Array {
    const key = decodeBase64Key(value);
    // Deliberately no value in the message: it may be a private or preshared key.
    if (!key)
      this.fail(`${setting.name} is not a valid key (expected 44 base64 characters ending in "=")`);
    return key;
  }

  private interfaceSetting(draft: InterfaceDraft, setting: Setting, value: string): void {
    switch (setting.name) {
      case 'PrivateKey':
        draft.privateKey = this.key(setting, value);
        return;
      case 'Address':
        for (const entry of this.list(setting, value)) this.address(draft, entry);
        return;
      case 'DNS':
        for (const entry of this.list(setting, value)) this.dns(draft, entry);
        return;
      case 'MTU': {
        const mtu = parseDecimal(value, MIN_MTU, 65535);
        if (mtu === null) this.fail(`MTU ${quote(value)} is not a number from ${MIN_MTU} to 65535`);
        draft.mtu = { value: mtu, line: this.lineNumber };
        return;
      }
      case 'ListenPort': {
        const port = parseDecimal(value, 0, 65535);
        if (port === null) this.fail(`ListenPort ${quote(value)} is not a number from 0 to 65535`);
        draft.listenPort = port;
        return;
      }
      case 'FwMark': {
        const mark = this.fwmark(value);
        if (mark !== 0) draft.fwmark = mark;
        return;
      }
      default:
        this.fail(`${setting.name} is not valid in [Interface]`);
    }
  }

  private peerSetting(draft: PeerDraft, setting: Setting, value: string): void {
    switch (setting.name) {
      case 'PublicKey': {
        const key = this.key(setting, value);
        const canonical = Buffer.from(key).toString('base64');
        const other = this.peerKeys.get(canonical);
        if (other !== undefined) {
          this.fail(
            `duplicate peer: this PublicKey is already used by the [Peer] on line ${other}`,
          );
        }
        this.peerKeys.set(canonical, draft.line);
        draft.publicKey = key;
        return;
      }
      case 'PresharedKey':
        draft.presharedKey = this.key(setting, value);
        return;
      case 'Endpoint': {
        try {
          draft.endpoint = { ...parseEndpoint(value), line: this.lineNumber };
        } catch (err) {
          this.fail((err as Error).message);
        }
        return;
      }
      case 'AllowedIPs':
        for (const entry of this.list(setting, value)) this.allowedIp(draft, entry);
        return;
      case 'PersistentKeepalive': {
        if (value.toLowerCase() === 'off') return;
        const seconds = parseDecimal(value, 0, 65535);
        if (seconds === null) {
          this.fail(`PersistentKeepalive ${quote(value)} is not "off" or a number from 0 to 65535`);
        }
        if (seconds > 0) draft.persistentKeepalive = seconds;
        return;
      }
      default:
        this.fail(`${setting.name} is not valid in [Peer]`);
    }
  }

  /** Entries of a comma-separated list; an empty value is an empty list, as in wg(8). */
  private list(setting: Setting, value: string): string[] {
    if (value === '') return [];
    const entries = splitList(value);
    if (entries.some((entry) => entry === '')) this.fail(`empty entry in the ${setting.name} list`);
    // wg-quick splits Address and DNS on spaces too (its shell word-splits them);
    // AllowedIPs goes to wg(8), which only splits on commas.
    return setting.name === 'AllowedIPs' ? entries : entries.flatMap((e) => e.split(/\s+/));
  }

  private address(draft: InterfaceDraft, entry: string): void {
    let prefix;
    try {
      prefix = parseIpPrefix(entry);
    } catch (err) {
      this.fail(`Address ${(err as Error).message}`);
    }
    const text = `${formatIp(prefix.bytes)}/${prefix.prefixLength}`;
    if (draft.addresses.some((a) => a.text === text)) return;
    draft.addresses.push({
      address: prefix.bytes,
      prefixLength: prefix.prefixLength,
      family: prefix.family,
      text,
    });
  }

  private dns(draft: InterfaceDraft, entry: string): void {
    const ip = parseIp(entry);
    if (ip) {
      const text = formatIp(ip.bytes);
      if (!draft.dns.includes(text)) draft.dns.push(text);
      return;
    }
    // wg-quick treats every entry that is not an address as a search domain.
    if (!entry.includes(':') && isHostName(entry)) {
      if (!draft.dnsSearch.includes(entry)) draft.dnsSearch.push(entry);
      return;
    }
    const why = entry.includes('%') ? ' (zone ids are not supported)' : '';
    this.fail(`DNS ${quote(entry)} is neither an IP address nor a domain name${why}`);
  }

  private fwmark(value: string): number {
    if (value.toLowerCase() === 'off') return 0;
    const mark = /^0x[0-9a-f]{1,8}$/i.test(value)
      ? parseInt(value.slice(2), 16)
      : parseDecimal(value, 0, 0xffffffff);
    if (mark === null) {
      this.fail(`FwMark ${quote(value)} is not "off" or a 32-bit number (decimal or 0x hex)`);
    }
    return mark;
  }

  private allowedIp(draft: PeerDraft, entry: string): void {
    let prefix;
    try {
      prefix = parseIpPrefix(entry);
    } catch (err) {
      this.fail(`AllowedIPs ${(err as Error).message}`);
    }
    const cidr: Cidr = {
      address: maskToPrefix(prefix.bytes, prefix.prefixLength),
      prefixLength: prefix.prefixLength,
    };
    const text = formatCidr(cidr);
    if (!sameBytes(cidr.address, prefix.bytes)) {
      this.warn(`AllowedIPs ${entry} has host bits set; using ${text}`);
    }
    if (draft.allowedIpsText.includes(text)) return;
    const claimedBy = this.claimedNetworks.get(text);
    if (claimedBy !== undefined && claimedBy !== draft.line) {
      this.warn(
        `AllowedIPs ${text} is also in the [Peer] on line ${claimedBy}; only the last peer gets it`,
      );
    }
    this.claimedNetworks.set(text, draft.line);
    draft.allowedIps.push(cidr);
    draft.allowedIpsText.push(text);
  }

  private finish(): WgQuickConfig {
    const draft = this.iface;
    if (!draft) this.fail('no [Interface] section', 0);
    if (!draft.privateKey) this.fail('[Interface] has no PrivateKey', draft.line);
    const iface: InterfaceSection = {
      line: draft.line,
      privateKey: draft.privateKey,
      addresses: draft.addresses,
      dns: draft.dns,
      dnsSearch: draft.dnsSearch,
    };
    if (draft.mtu) {
      iface.mtu = draft.mtu.value;
      if (draft.mtu.value < MIN_IPV6_MTU && draft.addresses.some((a) => a.family === 6)) {
        this.warn(
          `MTU ${draft.mtu.value} is below ${MIN_IPV6_MTU}, the minimum for IPv6; IPv6 will not work`,
          draft.mtu.line,
        );
      }
    }
    if (draft.listenPort !== undefined) iface.listenPort = draft.listenPort;
    if (draft.fwmark !== undefined) iface.fwmark = draft.fwmark;

    const peers = this.peers.map((p): PeerSection => {
      if (!p.publicKey) this.fail('[Peer] has no PublicKey', p.line);
      if (p.allowedIps.length === 0) {
        this.warn('[Peer] has no AllowedIPs; no traffic will be sent to it', p.line);
      }
      const peer: PeerSection = {
        line: p.line,
        publicKey: p.publicKey,
        allowedIps: p.allowedIps,
        allowedIpsText: p.allowedIpsText,
      };
      if (p.presharedKey) peer.presharedKey = p.presharedKey;
      if (p.endpoint) peer.endpoint = p.endpoint;
      if (p.persistentKeepalive !== undefined) peer.persistentKeepalive = p.persistentKeepalive;
      return peer;
    });
    if (peers.length === 0) this.warn('no [Peer] sections; the tunnel will carry no traffic', 0);
    this.warnings.sort((a, b) => a.line - b.line);
    return { file: this.file, interface: iface, peers, warnings: this.warnings };
  }
}

/** Parses wg-quick text; `file` is only used in messages. Throws ConfigError. */
export function parseWgQuick(text: string, file: string): WgQuickConfig {
  return new WgQuickParser(file).parse(text);
}
