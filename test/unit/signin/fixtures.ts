// Shared fixtures for the sign-in unit tests: a device as the portal sends it,
// a stored session around it, and a logger that records lines in memory.
import { createLogger, type RootLogger } from '../../../app/log/logger.js';
import type { Device } from '../../../app/signin/device-schema.js';
import type { StoredSession } from '../../../app/signin/stored-session.js';
import {
  encodeKey,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '../../../app/tunnel/wireguard/keys.js';

export function keyPair(): { privateKey: string; publicKey: string } {
  const priv = generatePrivateKey();
  return { privateKey: encodeKey(priv), publicKey: encodeKey(publicKeyFromPrivate(priv)) };
}

export const GATEWAY = keyPair();

export function sampleDevice(publicKey: string, id = 'd_7f3a9c'): Device {
  return {
    id,
    name: 'laptop-ann',
    publicKey,
    createdAt: '2026-11-25T10:00:00Z',
    tunnel: {
      addresses: ['10.77.0.5/32', 'fd77::5/128'],
      dns: ['10.77.0.1'],
      mtu: 1420,
      peers: [
        {
          publicKey: GATEWAY.publicKey,
          endpoint: 'gw1.example.com:51820',
          allowedIps: ['10.77.0.0/16', 'fd77::/64'],
          persistentKeepalive: 25,
        },
      ],
    },
  };
}

export function sampleSession(overrides: Partial<StoredSession> = {}): StoredSession {
  const keys = keyPair();
  const device = sampleDevice(keys.publicKey);
  return {
    portalUrl: 'https://vpn.example.com',
    issuer: 'https://login.example.com',
    clientId: 'slipstream-desktop',
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    api: 'https://vpn.example.com/api/v1',
    tokens: { access: 'access-token-1', refresh: 'refresh-token-1', expiresAt: 3_600_000 },
    account: { sub: 'user-1', name: 'Ann', email: 'ann@example.com' },
    device: { id: device.id, name: device.name, publicKey: keys.publicKey },
    privateKey: keys.privateKey,
    tunnel: device.tunnel,
    ...overrides,
  };
}

export interface MemoryLog {
  log: RootLogger;
  lines: string[];
}

export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  const log = createLogger({
    level: 'trace',
    target: 'test',
    sinks: [{ write: (line: string) => void lines.push(line) }],
  });
  return { log, lines };
}
