/**
 * Builds the tunnel configuration from the portal's Device.tunnel and the
 * private key that never left this machine. It goes through wg-quick text and
 * parseWgQuick on purpose: a portal profile then gets exactly the checks and
 * the shape of an imported .conf file, and the tunnel code has one input type.
 */
import { ConfigError } from '../config/errors.js';
import { parseWgQuick } from '../config/parse.js';
import type { WgQuickConfig } from '../config/types.js';
import type { DeviceTunnel } from './device-schema.js';
import { PortalResponseError } from './errors.js';

/** wg-quick text for the tunnel. Holds the private key: never log or store it. */
export function deviceToWgQuick(tunnel: DeviceTunnel, privateKey: string): string {
  const lines = ['[Interface]', `PrivateKey = ${privateKey}`];
  lines.push(`Address = ${tunnel.addresses.join(', ')}`);
  if (tunnel.dns.length > 0) lines.push(`DNS = ${tunnel.dns.join(', ')}`);
  if (tunnel.mtu !== undefined) lines.push(`MTU = ${tunnel.mtu}`);
  for (const peer of tunnel.peers) {
    lines.push('', '[Peer]', `PublicKey = ${peer.publicKey}`);
    if (peer.endpoint) lines.push(`Endpoint = ${peer.endpoint}`);
    if (peer.allowedIps.length > 0) lines.push(`AllowedIPs = ${peer.allowedIps.join(', ')}`);
    if (peer.persistentKeepalive) lines.push(`PersistentKeepalive = ${peer.persistentKeepalive}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The parsed configuration; `label` stands in for the file name in warnings.
 * Throws PortalResponseError (never echoing the key) when the settings are unusable.
 */
export function deviceConfig(
  tunnel: DeviceTunnel,
  privateKey: string,
  label = 'portal profile',
): WgQuickConfig {
  try {
    return parseWgQuick(deviceToWgQuick(tunnel, privateKey), label);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new PortalResponseError(
        `The portal sent tunnel settings this client cannot use: ${err.problem}.`,
      );
    }
    throw err;
  }
}
