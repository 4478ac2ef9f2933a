// Command line of the portal process (see main.ts for the full usage text).
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

export interface PortalOptions {
  listenHost: string;
  listenPort: number;
  tlsCert: string;
  tlsKey: string;
  wgInterface: string;
  gatewayEndpoint: string;
  pool: string;
  pool6: string | undefined;
  allowedIps: string[];
  dns: string[];
  mtu: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  usersFile: string | undefined;
  adminToken: string | undefined;
}

export const USAGE = `usage: node dist/test/portal/main.js --listen HOST:PORT --tls-cert FILE --tls-key FILE
  --wg-interface NAME --gateway-endpoint HOST:PORT --pool 10.200.0.0/24 [--pool6 fd00:200::/64]
  --allowed-ips CIDR[,CIDR…] [--dns ADDR[,ADDR…]] [--mtu 1420]
  [--access-token-ttl SECONDS] [--refresh-token-ttl SECONDS] [--users FILE] [--admin-token TOKEN]
The admin token may also come from SLIPSTREAM_PORTAL_ADMIN_TOKEN.`;

/** Thrown for a bad command line; main prints the message and the usage, no stack. */
export class UsageError extends Error {}

/** "host:port" or "[v6]:port" → parts; port 0 means "pick a free one". */
export function parseHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65535)) {
    throw new UsageError(`${what} must be HOST:PORT, got ${JSON.stringify(s)}`);
  }
  return { host, port };
}

function list(s: string | undefined): string[] {
  return (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function seconds(s: string | undefined, fallback: number, what: string): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number ≥ 1`);
  return n;
}

export function parsePortalArgs(argv: string[]): PortalOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        listen: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'wg-interface': { type: 'string' },
        'gateway-endpoint': { type: 'string' },
        pool: { type: 'string' },
        pool6: { type: 'string' },
        'allowed-ips': { type: 'string' },
        dns: { type: 'string' },
        mtu: { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'refresh-token-ttl': { type: 'string' },
        users: { type: 'string' },
        'admin-token': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  const listen = parseHostPort(need('listen'), '--listen');
  if (isIP(listen.host) === 0) throw new UsageError('--listen needs an IP address');
  const wgInterface = need('wg-interface');
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(wgInterface)) throw new UsageError('bad --wg-interface');
  const gatewayEndpoint = need('gateway-endpoint');
  parseHostPort(gatewayEndpoint, '--gateway-endpoint');
  const allowedIps = list(need('allowed-ips'));
  const dns = list(values.dns);
  for (const d of dns) if (isIP(d) === 0) throw new UsageError(`--dns: ${d} is not an IP address`);
  // Also from the environment, so a supervisor need not put the secret on a command line.
  const adminToken = values['admin-token'] ?? process.env.SLIPSTREAM_PORTAL_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new UsageError('--admin-token must be at least 16 characters');
  }
  const mtu = seconds(values.mtu, 1420, '--mtu');
  return {
    listenHost: listen.host,
    listenPort: listen.port,
    tlsCert: need('tls-cert'),
    tlsKey: need('tls-key'),
    wgInterface,
    gatewayEndpoint,
    pool: need('pool'),
    pool6: values.pool6,
    allowedIps,
    dns,
    mtu,
    accessTokenTtl: seconds(values['access-token-ttl'], 300, '--access-token-ttl'),
    refreshTokenTtl: seconds(values['refresh-token-ttl'], 14 * 24 * 3600, '--refresh-token-ttl'),
    usersFile: values.users,
    adminToken,
  };
}
