// The provisioning API (/api/v1, see app/signin/PROVISIONING-API.md): bearer tokens are
// checked against the provider in-process; devices belong to the token's account.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { DeviceStore, KeyInUseError, PoolExhaustedError, type DeviceRecord } from './devices.js';
import { bearerToken, HttpError, readJson, sendEmpty, sendJson } from './http.js';
import { log } from './log.js';
import { CLIENT_ID } from './provider.js';
import type { User, Users } from './users.js';

/** What every device's tunnel has in common: the gateway and the network behind it. */
export interface TunnelTemplate {
  gatewayPublicKey: string;
  gatewayEndpoint: string;
  allowedIps: string[];
  dns: string[];
  mtu: number;
}

const PERSISTENT_KEEPALIVE = 25;

const RegisterBody = z.object({
  publicKey: z.string(),
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^\p{Cc}]*$/u)
    .optional(),
});

/** base64 of exactly 32 bytes, in canonical form (what wg itself accepts). */
export function isPublicKey(s: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
}

export function deviceJson(d: DeviceRecord, t: TunnelTemplate) {
  return {
    id: d.id,
    name: d.name,
    publicKey: d.publicKey,
    createdAt: d.createdAt,
    tunnel: {
      addresses: d.addresses,
      dns: t.dns,
      mtu: t.mtu,
      peers: [
        {
          publicKey: t.gatewayPublicKey,
          endpoint: t.gatewayEndpoint,
          allowedIps: t.allowedIps,
          persistentKeepalive: PERSISTENT_KEEPALIVE,
        },
      ],
    },
  };
}

export function apiHandler(
  provider: Provider,
  users: Users,
  devices: DeviceStore,
  tunnel: TunnelTemplate,
) {
  const authenticate = async (req: IncomingMessage): Promise<User> => {
    const token = bearerToken(req);
    if (!token) throw new HttpError(401, 'invalid_token', 'The request has no access token.');
    // ignoreExpiration, then an exact check: find() alone accepts tokens up to the provider's
    // clockTolerance (15 s) past expiry, but the token lifetime the client was told is exact.
    const at = await provider.AccessToken.find(token, { ignoreExpiration: true });
    const expired = at?.isExpired === true;
    if (!at || expired || at.clientId !== CLIENT_ID || !(await provider.Grant.find(at.grantId))) {
      throw new HttpError(
        401,
        'invalid_token',
        expired ? 'The access token has expired.' : 'The access token is not valid or was revoked.',
      );
    }
    const user = users.get(at.accountId);
    if (!user?.vpn) {
      throw new HttpError(403, 'forbidden', 'Your account is not allowed to use the VPN.');
    }
    return user;
  };

  const notFound = () =>
    new HttpError(404, 'device_not_found', 'The device was removed on the portal.');

  const register = async (req: IncomingMessage, res: ServerResponse, user: User) => {
    const body = RegisterBody.safeParse(await readJson(req));
    if (!body.success) {
      throw new HttpError(400, 'invalid_request', 'The body needs "publicKey" and a short "name".');
    }
    if (!isPublicKey(body.data.publicKey)) {
      throw new HttpError(400, 'invalid_request', 'The public key is not 32 bytes of base64.');
    }
    try {
      const { device, created } = await devices.register(
        user.id,
        body.data.publicKey,
        body.data.name ?? 'device',
      );
      if (created) {
        log('info', 'device registered', {
          user: user.id,
          device: device.id,
          addresses: device.addresses.join(','),
        });
      }
      sendJson(res, created ? 201 : 200, deviceJson(device, tunnel));
    } catch (e) {
      if (e instanceof KeyInUseError) throw new HttpError(400, 'invalid_request', e.message);
      if (e instanceof PoolExhaustedError) throw new HttpError(503, 'server_error', e.message);
      throw e;
    }
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const m = /^\/devices(?:\/([A-Za-z0-9_-]+))?\/?$/.exec(path);
    if (!m) throw new HttpError(404, 'not_found', 'There is no such API endpoint.');
    const user = await authenticate(req);
    const id = m[1];
    if (id === undefined) {
      if (req.method !== 'POST') throw new HttpError(405, 'invalid_request', 'Use POST here.');
      return register(req, res, user);
    }
    // Another user's device is reported as absent, never as someone else's.
    const device = devices.get(id);
    const own = device?.userId === user.id ? device : undefined;
    if (req.method === 'GET') {
      if (!own) throw notFound();
      return sendJson(res, 200, deviceJson(own, tunnel));
    }
    if (req.method === 'DELETE') {
      if (own && (await devices.remove(own.id))) {
        log('info', 'device removed', { user: user.id, device: own.id, by: 'user' });
      }
      return sendEmpty(res, 204);
    }
    throw new HttpError(405, 'invalid_request', 'Use GET or DELETE here.');
  };
}
