// The reference sign-in portal (test/portal) running next to the topology's wireguard-go in
// the server namespace, with a throwaway CA, plus a small HTTP "resource behind the gateway"
// on the tunnel address. The test process sits in the host namespace and cannot reach the
// portal, so admin calls are made by a short node process inside the server namespace.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePortalCertificates } from '../portal/certs.js';
import type { ManagedProcess } from './process.js';
import type { Topology } from './topology.js';
import type { WgPeerStatus } from './wg-tools.js';

const PORTAL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'portal');
export const PORTAL_MAIN = path.join(PORTAL_DIR, 'main.js');
const RESOURCE_MAIN = path.join(PORTAL_DIR, 'resource.js');
const ADMIN_REQUEST = path.join(PORTAL_DIR, 'fixtures', 'admin-request.js');

export const RESOURCE_PORT = 8080;
export const RESOURCE_TEXT = 'hello from behind the gateway';

export interface StartPortalOptions {
  /** HTTPS port on the server's veth address. Default 8443. */
  port?: number;
  /** Access token lifetime in seconds. Default 300 (the portal's default). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds. Default: the portal's (14 days). */
  refreshTokenTtl?: number;
  /** JSON users file (see test/portal/users.ts). Default: ann (allowed) and bob (forbidden). */
  usersFile?: string;
  /** DNS servers handed to devices. Default [tunnel.serverV4]. */
  dns?: string[];
  /** Start the resource behind the gateway. Default true. */
  resource?: boolean;
}

/** A device as the admin API lists it. */
export interface PortalDevice {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  createdAt: string;
  addresses: string[];
}

export interface Portal {
  /** https://10.99.0.1:PORT — what the user types into the app. */
  url: string;
  /** The OpenID Provider's issuer: `${url}/oidc`. */
  issuer: string;
  /** CA certificate clients must trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** Bearer token of the /admin API. */
  adminToken: string;
  /** http://10.200.0.1:8080/ — reachable only through the tunnel. */
  resourceUrl: string;
  /** The portal process (its stderr holds the JSONL log). */
  proc: ManagedProcess;
  /** Devices registered on the portal (admin API). */
  devices(): Promise<PortalDevice[]>;
  /** Removes a device on the portal (admin API); its peer leaves the gateway. */
  revokeDevice(id: string): Promise<void>;
  /** Revokes a user's grants, tokens and sessions (admin API): refreshing then fails. */
  revokeUser(user: string): Promise<void>;
  /** The gateway's peers, from `wg show <iface> dump` in the server namespace. */
  peers(): Promise<WgPeerStatus[]>;
  /** Stops the portal and the resource and removes the CA files. Idempotent. */
  stop(): Promise<void>;
}

export async function startPortal(topo: Topology, opts: StartPortalOptions = {}): Promise<Portal> {
  const ns = topo.serverNs;
  const host = topo.link.a.v4;
  if (host === null) throw new Error('the server veth has no IPv4 address');
  const certs = await makePortalCertificates(
    [host, topo.link.a.v6].filter((h): h is string => h !== null),
  );
  const adminToken = randomBytes(24).toString('base64url');
  const port = opts.port ?? 8443;
  const args = [
    PORTAL_MAIN,
    ['--listen', `${host}:${port}`],
    ['--tls-cert', certs.certFile],
    ['--tls-key', certs.keyFile],
    ['--wg-interface', topo.server.ifname],
    ['--gateway-endpoint', topo.serverEndpoint],
    ['--pool', '10.200.0.0/24'],
    ['--pool6', 'fd00:200::/64'],
    ['--allowed-ips', '10.200.0.0/24,fd00:200::/64'],
    ['--dns', (opts.dns ?? [topo.tunnel.serverV4]).join(',')],
    opts.accessTokenTtl === undefined ? [] : ['--access-token-ttl', String(opts.accessTokenTtl)],
    opts.refreshTokenTtl === undefined ? [] : ['--refresh-token-ttl', String(opts.refreshTokenTtl)],
    opts.usersFile === undefined ? [] : ['--users', opts.usersFile],
  ].flat();
  let proc: ManagedProcess | undefined;
  let resource: ManagedProcess | undefined;
  try {
    proc = ns.spawn(process.execPath, args, {
      label: 'portal',
      env: { SLIPSTREAM_PORTAL_ADMIN_TOKEN: adminToken },
    });
    await proc.waitForOutput(/^\{.*"message":"portal ready".*$/m, {
      stream: 'stderr',
      timeoutMs: 20_000,
    });
    if (opts.resource !== false) {
      resource = ns.spawn(
        process.execPath,
        [RESOURCE_MAIN, topo.tunnel.serverV4, String(RESOURCE_PORT)],
        { label: 'resource behind the gateway' },
      );
      await resource.waitForOutput('resource ready', { stream: 'stdout' });
    }
  } catch (e) {
    await resource?.stop();
    await proc?.stop();
    certs.dir.remove();
    throw e;
  }
  const url = `https://${host}:${port}`;

  const admin = async (method: string, p: string): Promise<{ status: number; body: unknown }> => {
    const r = await ns.exec(process.execPath, [ADMIN_REQUEST, method, `${url}/admin${p}`], {
      env: { NODE_EXTRA_CA_CERTS: certs.caFile, SLIPSTREAM_PORTAL_ADMIN_TOKEN: adminToken },
    });
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as {
      status: number;
      body: unknown;
    };
  };
  const expect = (r: { status: number; body: unknown }, status: number, what: string) => {
    if (r.status !== status) {
      throw new Error(`portal admin ${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    }
  };

  const running = proc;
  return {
    url,
    issuer: `${url}/oidc`,
    caFile: certs.caFile,
    adminToken,
    resourceUrl: `http://${topo.tunnel.serverV4}:${RESOURCE_PORT}/`,
    proc: running,
    devices: async () => {
      const r = await admin('GET', '/devices');
      expect(r, 200, 'list devices');
      return (r.body as { devices: PortalDevice[] }).devices;
    },
    revokeDevice: async (id) => {
      expect(await admin('DELETE', `/devices/${encodeURIComponent(id)}`), 204, 'revoke device');
    },
    revokeUser: async (user) => {
      const r = await admin('POST', `/users/${encodeURIComponent(user)}/revoke-sessions`);
      expect(r, 200, 'revoke sessions');
    },
    peers: async () => (await topo.server.show()).peers,
    stop: async () => {
      await resource?.stop();
      await running.stop();
      certs.dir.remove();
    },
  };
}
