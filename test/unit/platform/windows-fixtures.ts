// Shared by the Windows platform-layer tests: the tunnel identity, a full IPv4 tunnel,
// the peer endpoint, and a private state directory per test.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCidr, parseIpPrefix } from '../../../app/config/ip.js';
import type { TunnelConfigView } from '../../../app/platform/types.js';
import {
  configureTunnel,
  type WindowsConfigureOptions,
} from '../../../app/platform/windows/index.js';
import type { WinRoute } from '../../../app/platform/windows/native.js';
import { RecordingAddon } from './recording-addon.js';
import type { RecordingWinNet } from './windows-recording-net.js';

export function prefix(text: string) {
  const p = parseIpPrefix(text);
  return { address: p.bytes, prefixLength: p.prefixLength, family: p.family };
}

export const tun = { name: 'Slipstream', ifindex: 42 };

export const endpoints = [{ address: '203.0.113.5', family: 4 as const, port: 51820 }];

/** A full IPv4 tunnel with one DNS server. */
export const fullV4: TunnelConfigView = {
  interface: { addresses: [prefix('10.66.0.2/32')], dns: ['10.66.0.1'], dnsSearch: [] },
  peers: [{ allowedIps: [parseCidr('0.0.0.0/0')] }],
};

/** The endpoint route a full tunnel adds through the fake's default best route. */
export const endpointRoute: WinRoute = {
  ifindex: 7,
  family: 4,
  dst: '203.0.113.5',
  prefixLength: 32,
  nextHop: '192.168.1.1',
  metric: 0,
};

export async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipstream-win-'));
  try {
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** fullV4 configured against `api`, state in `dir`, with `options` on top. */
export function configureFull(
  dir: string,
  api: RecordingWinNet,
  options: Partial<WindowsConfigureOptions> = {},
) {
  return configureTunnel(new RecordingAddon(), tun, fullV4, {
    mtu: 1420,
    stateDir: dir,
    api,
    endpoints,
    ...options,
  });
}
