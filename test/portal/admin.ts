// A small admin API for tests and demos (not part of the provisioning spec), guarded by
// `Authorization: Bearer <admin token>`: list devices, revoke one, end a user's sessions.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { revokeAccount } from './adapter.js';
import type { DeviceStore } from './devices.js';
import { bearerToken, HttpError, sendEmpty, sendJson } from './http.js';
import { log } from './log.js';
import type { Users } from './users.js';

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export function adminHandler(adminToken: string | undefined, users: Users, devices: DeviceStore) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    // Without --admin-token the admin API does not exist.
    if (adminToken === undefined) throw new HttpError(404, 'not_found', 'Not found.');
    const token = bearerToken(req);
    if (token === undefined || !sameSecret(token, adminToken)) {
      throw new HttpError(401, 'invalid_token', 'The admin token is missing or wrong.');
    }

    if (path === '/devices' && req.method === 'GET') {
      return sendJson(res, 200, { devices: devices.list() });
    }
    const dev = /^\/devices\/([A-Za-z0-9_-]+)$/.exec(path);
    if (dev && req.method === 'DELETE') {
      const removed = await devices.remove(dev[1]!);
      if (!removed) throw new HttpError(404, 'device_not_found', 'There is no such device.');
      log('info', 'device removed', { user: removed.userId, device: removed.id, by: 'admin' });
      return sendEmpty(res, 204);
    }
    const rev = /^\/users\/([A-Za-z0-9._-]+)\/revoke-sessions$/.exec(path);
    if (rev && req.method === 'POST') {
      const user = users.get(rev[1]!);
      if (!user) throw new HttpError(404, 'not_found', 'There is no such user.');
      const revoked = await revokeAccount(user.id);
      log('info', 'sessions revoked', { user: user.id, ...revoked });
      return sendJson(res, 200, {
        user: user.id,
        revokedGrants: revoked.grants,
        endedSessions: revoked.sessions,
      });
    }
    throw new HttpError(404, 'not_found', 'There is no such admin endpoint.');
  };
}
