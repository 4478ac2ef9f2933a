// WireGuard keys (made by the stock `wg` tool) and parsing of `wg show <if> dump`.
// Key values are never put into error messages: the caller may have passed a private key.
import { runOk } from './system.js';

export interface KeyPair {
  /** base64 */
  privateKey: string;
  /** base64 */
  publicKey: string;
}

const KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** True for the base64 form of a 32-byte key (what wg accepts). */
export function isWgKey(s: string): boolean {
  return KEY_RE.test(s);
}

/** Throws "<what> is not a valid WireGuard key" (without echoing the value). */
export function assertWgKey(s: string, what: string): void {
  if (!isWgKey(s)) throw new Error(`${what} is not a valid WireGuard key (44 base64 characters)`);
}

export async function genPrivateKey(): Promise<string> {
  const key = (await runOk('wg', ['genkey'])).stdout.trim();
  assertWgKey(key, 'output of wg genkey');
  return key;
}

/** Public key of a private key, via `wg pubkey` with the key on stdin. */
export async function publicKeyOf(privateKey: string): Promise<string> {
  assertWgKey(privateKey, 'private key');
  const pub = (await runOk('wg', ['pubkey'], { input: `${privateKey}\n` })).stdout.trim();
  assertWgKey(pub, 'output of wg pubkey');
  return pub;
}

export async function genKeyPair(): Promise<KeyPair> {
  const privateKey = await genPrivateKey();
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

/** A fresh preshared key (`wg genpsk`). */
export async function genPsk(): Promise<string> {
  const psk = (await runOk('wg', ['genpsk'])).stdout.trim();
  assertWgKey(psk, 'output of wg genpsk');
  return psk;
}

export interface WgPeerStatus {
  publicKey: string;
  /** Whether a preshared key is set; the key itself is deliberately not returned. */
  hasPresharedKey: boolean;
  /** "host:port" / "[v6]:port", or null before the peer's address is known. */
  endpoint: string | null;
  allowedIps: string[];
  /** Unix time (seconds) of the latest completed handshake, or null if there was none. */
  latestHandshake: number | null;
  rxBytes: number;
  txBytes: number;
  /** Seconds, or null when off. */
  persistentKeepalive: number | null;
}

export interface WgInterfaceStatus {
  /** null when no private key is set. The private key itself is deliberately not returned. */
  publicKey: string | null;
  listenPort: number;
  fwmark: number | null;
  peers: WgPeerStatus[];
}

function toInt(field: string, what: string): number {
  if (!/^\d+$/.test(field)) throw new Error(`unexpected ${what} in wg show dump output`);
  return Number(field);
}

/** Parses the tab-separated output of `wg show <interface> dump`. */
export function parseWgDump(text: string): WgInterfaceStatus {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const head = lines[0]?.split('\t');
  if (!head || head.length !== 4) {
    throw new Error('unexpected wg show dump output: interface line must have 4 fields');
  }
  const [, publicKey = '', listenPort = '', fwmark = ''] = head;
  const peers = lines.slice(1).map((line, i): WgPeerStatus => {
    const f = line.split('\t');
    if (f.length !== 8) {
      throw new Error(`unexpected wg show dump output: peer line ${i + 1} has ${f.length} fields`);
    }
    const [pub = '', psk = '', endpoint = '', allowed = '', hs = '', rx = '', tx = '', ka = ''] = f;
    const handshake = toInt(hs, 'latest-handshake');
    return {
      publicKey: pub,
      hasPresharedKey: psk !== '(none)',
      endpoint: endpoint === '(none)' ? null : endpoint,
      allowedIps: allowed === '(none)' ? [] : allowed.split(','),
      latestHandshake: handshake === 0 ? null : handshake,
      rxBytes: toInt(rx, 'transfer-rx'),
      txBytes: toInt(tx, 'transfer-tx'),
      persistentKeepalive: ka === 'off' ? null : toInt(ka, 'persistent-keepalive'),
    };
  });
  return {
    publicKey: publicKey === '(none)' ? null : publicKey,
    listenPort: toInt(listenPort, 'listen-port'),
    fwmark: fwmark === 'off' ? null : Number(fwmark),
    peers,
  };
}
