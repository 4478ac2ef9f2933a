// The Slipstream reference sign-in portal (development, demos and tests only): an OpenID
// Provider plus the provisioning API, serving HTTPS next to a wireguard-go gateway in the
// same network namespace. Prints JSON lines on stderr; "portal ready" once it accepts requests.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { adminHandler } from './admin.js';
import { apiHandler } from './api.js';
import { parsePortalArgs, USAGE, UsageError, type PortalOptions } from './args.js';
import { DeviceStore } from './devices.js';
import { Gateway } from './gateway.js';
import { interactionHandler } from './interactions.js';
import { errorMessage, log } from './log.js';
import { Pool } from './pool.js';
import { createProvider } from './provider.js';
import { API_PREFIX, portalRequestHandler } from './server.js';
import { DEFAULT_USERS, Users } from './users.js';

async function start(o: PortalOptions): Promise<void> {
  const users = o.usersFile ? Users.fromFile(o.usersFile) : new Users(DEFAULT_USERS);
  const pool = Pool.parse(o.pool);
  const pool6 = o.pool6 === undefined ? undefined : Pool.parse(o.pool6);
  if (pool.family !== 4 || (pool6 && pool6.family !== 6)) {
    throw new UsageError('--pool must be an IPv4 and --pool6 an IPv6 prefix');
  }
  const gateway = new Gateway(o.wgInterface);
  const gatewayPublicKey = await gateway.publicKey();

  const server = createServer({
    cert: readFileSync(o.tlsCert),
    key: readFileSync(o.tlsKey),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort, o.listenHost, () => resolve());
  });
  // The issuer needs the real port, known only now when --listen asked for port 0.
  const { port } = server.address() as AddressInfo;
  const host = o.listenHost.includes(':') ? `[${o.listenHost}]` : o.listenHost;
  const baseUrl = `https://${host}:${port}`;

  const provider = createProvider({
    issuer: `${baseUrl}/oidc`,
    users,
    accessTokenTtl: o.accessTokenTtl,
    refreshTokenTtl: o.refreshTokenTtl,
  });
  const devices = new DeviceStore(gateway, pool, pool6);
  const tunnel = {
    gatewayPublicKey,
    gatewayEndpoint: o.gatewayEndpoint,
    allowedIps: o.allowedIps,
    dns: o.dns,
    mtu: o.mtu,
  };
  server.on(
    'request',
    portalRequestHandler({
      baseUrl,
      provider,
      interactions: interactionHandler(provider, users),
      api: apiHandler(provider, users, devices, tunnel),
      admin: adminHandler(o.adminToken, users, devices),
    }),
  );
  server.on('tlsClientError', (e) => log('warn', 'TLS handshake failed', { error: e.message }));

  // On shutdown the devices (kept in memory only) are forgotten, so their peers go too.
  const shutdown = async (signal: string) => {
    log('info', 'shutting down', { signal });
    server.close();
    server.closeAllConnections();
    for (const d of devices.list()) {
      await devices.remove(d.id).catch((e: unknown) => {
        log('warn', 'could not remove a peer', { device: d.id, error: errorMessage(e) });
      });
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  log('info', 'portal ready', {
    url: baseUrl,
    issuer: provider.issuer,
    api: `${baseUrl}${API_PREFIX}`,
    wgInterface: o.wgInterface,
    accessTokenTtl: o.accessTokenTtl,
  });
}

function main(): void {
  let opts: PortalOptions;
  try {
    opts = parsePortalArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${errorMessage(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  start(opts).catch((e: unknown) => {
    log('error', 'portal could not start', { error: errorMessage(e) });
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}

main();
