// The reference sign-in portal (test/portal) in network namespaces, next to a stock
// wireguard-go gateway: discovery, the authorization code flow with PKCE through the real
// sign-in form, device registration reaching the gateway, token expiry, refresh and
// revocation, and a tunnel built from the portal's answer reaching the resource behind it.
//
// The test process lives in the host namespace and cannot reach the portal, so an "agent"
// (test/portal/fixtures/portal-agent.ts) plays app and browser inside the client namespace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  genKeyPair,
  requireRoot,
  startPortal,
  startWireGuardGoClient,
  waitFor,
  type ManagedProcess,
  type Namespace,
  type Portal,
  type Topology,
} from '../harness/index.js';

const AGENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'portal',
  'fixtures',
  'portal-agent.js',
);
const ACCESS_TOKEN_TTL = 5;

interface ApiAnswer {
  status: number;
  body: { error?: string; message?: string; [k: string]: unknown } | null;
  wwwAuthenticate: string | null;
}

interface Device {
  id: string;
  name: string;
  publicKey: string;
  createdAt: string;
  tunnel: {
    addresses: string[];
    dns: string[];
    mtu: number;
    peers: {
      publicKey: string;
      endpoint: string;
      allowedIps: string[];
      persistentKeepalive: number;
    }[];
  };
}

/** The app + browser stand-in running in the client namespace; one per test. */
class Agent {
  private next = 1;
  private constructor(private readonly proc: ManagedProcess) {}

  static async start(ns: Namespace, portal: Portal): Promise<Agent> {
    const proc = ns.spawn(process.execPath, [AGENT, portal.url], {
      label: 'portal agent',
      env: { NODE_EXTRA_CA_CERTS: portal.caFile },
    });
    await proc.waitForOutput('{"ready":true}', { stream: 'stdout' });
    return new Agent(proc);
  }

  async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    this.proc.write(`${JSON.stringify({ id, op, ...args })}\n`);
    const answer = await waitFor(
      () => {
        if (!this.proc.isRunning()) throw new Error(`agent exited: ${this.proc.output()}`);
        for (const line of this.proc.stdout().split('\n')) {
          if (!line.startsWith(`{"id":${id},`)) continue;
          return JSON.parse(line) as { ok: boolean; result?: T; error?: string };
        }
        return null;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: `agent ${op}` },
    );
    if (!answer.ok) throw new Error(`agent ${op} failed: ${answer.error}`);
    return answer.result as T;
  }

  login(user: string, password: string, redirect: 'loopback' | 'app' = 'loopback') {
    return this.call<{
      signedIn: boolean;
      redirectUri: string;
      callbackPath: string;
      hasRefreshToken: boolean;
      expiresIn: number;
      scope: string;
      idToken: { sub: string; email: string; iss: string };
      loginPage: { labels: string[]; buttons: string[] };
    }>('login', { user, password, redirect });
  }

  api(method: string, path: string, body?: unknown, token?: 'none' | 'bogus') {
    return this.call<ApiAnswer>('api', { method, path, body, token });
  }

  async register(publicKey: string, name = 'laptop-ann'): Promise<ApiAnswer & { device: Device }> {
    const r = await this.api('POST', '/devices', { publicKey, name });
    return { ...r, device: r.body as unknown as Device };
  }

  async stop(): Promise<void> {
    this.proc.endInput();
    await this.proc.stop();
  }
}

describe('reference sign-in portal', () => {
  let topo: Topology;
  let portal: Portal;
  const agents: Agent[] = [];
  const agent = async () => {
    const a = await Agent.start(topo.clientNs, portal);
    agents.push(a);
    return a;
  };
  const signedInAnn = async () => {
    const a = await agent();
    assert.equal((await a.login('ann', 'correct-horse')).signedIn, true);
    return a;
  };
  const peerOf = async (publicKey: string) =>
    (await portal.peers()).find((p) => p.publicKey === publicKey);

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'po' });
    portal = await startPortal(topo, { accessTokenTtl: ACCESS_TOKEN_TTL });
  });
  after(async () => {
    for (const a of agents) await a.stop().catch(() => {});
    await cleanupAll();
  });

  test('discovery: the slipstream configuration points at the provider and the API', async () => {
    const a = await agent();
    const d = await a.call<{
      status: number;
      contentType: string;
      slipstream: Record<string, unknown>;
      openid: Record<string, unknown>;
    }>('discover');
    assert.equal(d.status, 200);
    assert.match(d.contentType, /^application\/json/);
    assert.deepEqual(d.slipstream, {
      issuer: portal.issuer,
      client_id: 'slipstream-desktop',
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      api: `${portal.url}/api/v1`,
    });
    assert.equal(portal.issuer, `${portal.url}/oidc`);
    assert.equal(d.openid.issuer, portal.issuer);
    assert.equal(d.openid.authorization_endpoint, `${portal.issuer}/auth`);
    assert.equal(d.openid.revocation_endpoint, `${portal.issuer}/token/revocation`);
    assert.deepEqual(d.openid.code_challenge_methods_supported, ['S256']);
  });

  test('a wrong password shows the sign-in form again with a clear error', async () => {
    const a = await agent();
    const page = await a.call<{
      status: number;
      labels: string[];
      buttons: string[];
      formMethod: string;
      formInputs: string[];
      error: string | null;
      externalResources: boolean;
    }>('wrongPassword', { user: 'ann', password: 'not-it' });
    assert.equal(page.status, 200);
    assert.equal(page.error, 'Wrong username or password.');
    assert.deepEqual(page.labels, ['Username', 'Password']);
    assert.ok(page.buttons.includes('Sign in'));
    assert.equal(page.formMethod, 'post');
    assert.deepEqual(page.formInputs, ['username', 'password']);
    assert.equal(page.externalResources, false);
    assert.match(portal.proc.stderr(), /"message":"sign-in failed","user":"ann"/);
    assert.doesNotMatch(portal.proc.stderr(), /not-it/, 'passwords are never logged');
  });

  test('code flow with PKCE through the form, loopback redirect on a random port', async () => {
    const a = await agent();
    const r = await a.login('ann', 'correct-horse');
    assert.equal(r.signedIn, true);
    assert.match(r.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.deepEqual(r.loginPage.labels, ['Username', 'Password']);
    assert.ok(r.loginPage.buttons.includes('Sign in'));
    assert.equal(r.hasRefreshToken, true, 'offline_access gives a refresh token');
    assert.deepEqual(r.scope.split(' ').sort(), ['email', 'offline_access', 'openid', 'profile']);
    assert.equal(r.expiresIn, ACCESS_TOKEN_TTL);
    assert.deepEqual(r.idToken, { sub: 'ann', email: 'ann@example.com', iss: portal.issuer });
  });

  test('the app-scheme redirect slipstream://signin/callback is accepted too', async () => {
    const a = await agent();
    const r = await a.login('ann', 'correct-horse', 'app');
    assert.equal(r.signedIn, true);
    assert.equal(r.callbackPath, 'slipstream://signin/callback');
  });

  test('register, read and delete a device; the gateway follows every change', async () => {
    const a = await signedInAnn();
    const { publicKey } = await genKeyPair();
    const reg = await a.register(publicKey);
    assert.equal(reg.status, 201);
    const d = reg.device;
    assert.match(d.id, /^d_[0-9a-f]+$/);
    assert.equal(d.name, 'laptop-ann');
    assert.equal(d.publicKey, publicKey);
    assert.ok(!Number.isNaN(Date.parse(d.createdAt)));
    const [v4, v6] = d.tunnel.addresses;
    assert.match(v4 ?? '', /^10\.200\.0\.\d+\/32$/);
    assert.match(v6 ?? '', /^fd00:200::[0-9a-f]+\/128$/);
    // Neither the gateway's own address nor the topology's client peer is handed out.
    assert.ok(!['10.200.0.1/32', '10.200.0.2/32'].includes(v4 ?? ''));
    assert.deepEqual(d.tunnel.dns, ['10.200.0.1']);
    assert.equal(d.tunnel.mtu, 1420);
    assert.deepEqual(d.tunnel.peers, [
      {
        publicKey: topo.server.publicKey,
        endpoint: topo.serverEndpoint,
        allowedIps: ['10.200.0.0/24', 'fd00:200::/64'],
        persistentKeepalive: 25,
      },
    ]);
    assert.deepEqual((await peerOf(publicKey))?.allowedIps, d.tunnel.addresses);

    const again = await a.register(publicKey);
    assert.equal(again.status, 200, 'registering the same key again is idempotent');
    assert.deepEqual(again.device, d);

    const got = await a.api('GET', `/devices/${d.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, d);

    assert.equal((await a.api('DELETE', `/devices/${d.id}`)).status, 204);
    assert.equal(await peerOf(publicKey), undefined, 'the peer left the gateway');
    assert.equal((await a.api('DELETE', `/devices/${d.id}`)).status, 204, 'already gone: 204');
    const gone = await a.api('GET', `/devices/${d.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body?.error, 'device_not_found');
  });

  test('bad requests: malformed key 400, missing or unknown token 401', async () => {
    const a = await signedInAnn();
    const bad = await a.api('POST', '/devices', { publicKey: 'AAAA', name: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body?.error, 'invalid_request');
    assert.equal(typeof bad.body?.message, 'string');
    for (const token of ['none', 'bogus'] as const) {
      const r = await a.api('GET', '/devices/d_000000', undefined, token);
      assert.equal(r.status, 401, token);
      assert.equal(r.body?.error, 'invalid_token');
      assert.match(r.wwwAuthenticate ?? '', /^Bearer error="invalid_token"/);
    }
  });

  test('the device config brings up a tunnel that reaches the resource behind the gateway', async () => {
    const a = await signedInAnn();
    const keys = await genKeyPair();
    const { device } = await a.register(keys.publicKey, 'tunnel-test');
    const curl = () => topo.clientNs.run('curl', ['-sS', '--max-time', '3', portal.resourceUrl]);
    assert.notEqual((await curl()).code, 0, 'the resource is unreachable without the tunnel');
    const peer = device.tunnel.peers[0]!;
    const wg = await startWireGuardGoClient(topo.clientNs, {
      address: device.tunnel.addresses,
      privateKey: keys.privateKey,
      mtu: device.tunnel.mtu,
      peers: [peer],
      routes: peer.allowedIps,
    });
    try {
      const r = await waitFor(async () => ((await curl()).code === 0 ? curl() : null), {
        timeoutMs: 15_000,
        intervalMs: 250,
        what: 'the resource through the tunnel',
      });
      assert.equal(r.stdout.trim(), 'hello from behind the gateway');
      assert.ok((await peerOf(keys.publicKey))?.latestHandshake, 'handshake with the portal peer');
    } finally {
      await wg.stop();
    }
  });

  test('an expired access token gets 401; refreshing gives a working one', async () => {
    const a = await signedInAnn();
    const { publicKey } = await genKeyPair();
    const { device } = await a.register(publicKey);
    await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_TTL + 1.5) * 1000));
    const expired = await a.api('GET', `/devices/${device.id}`);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, {
      error: 'invalid_token',
      message: 'The access token has expired.',
    });
    const refreshed = await a.call<{ ok: boolean; rotated: boolean }>('refresh');
    assert.deepEqual(refreshed, { ok: true, rotated: true, expiresIn: ACCESS_TOKEN_TTL });
    assert.equal((await a.api('GET', `/devices/${device.id}`)).status, 200);
    await a.api('DELETE', `/devices/${device.id}`);
  });

  test('a device revoked on the portal answers 404 and its peer is gone', async () => {
    const a = await signedInAnn();
    const { publicKey } = await genKeyPair();
    const { device } = await a.register(publicKey);
    assert.ok(await peerOf(publicKey));
    assert.ok((await portal.devices()).some((d) => d.id === device.id && d.userId === 'ann'));
    await portal.revokeDevice(device.id);
    assert.equal(await peerOf(publicKey), undefined);
    const r = await a.api('GET', `/devices/${device.id}`);
    assert.equal(r.status, 404);
    assert.equal(r.body?.error, 'device_not_found');
  });

  test('bob signs in fine but may not use the VPN: 403', async () => {
    const a = await agent();
    assert.equal((await a.login('bob', 'battery-staple')).signedIn, true);
    const { publicKey } = await genKeyPair();
    const r = await a.api('POST', '/devices', { publicKey, name: 'bobs-laptop' });
    assert.equal(r.status, 403);
    assert.equal(r.body?.error, 'forbidden');
    assert.equal(await peerOf(publicKey), undefined);
  });

  test('after revoke-sessions the refresh token and the access token stop working', async () => {
    const a = await signedInAnn();
    assert.equal((await a.call<{ ok: boolean }>('refresh')).ok, true);
    await portal.revokeUser('ann');
    const r = await a.call<{ ok: boolean; error?: string }>('refresh');
    assert.deepEqual(r, { ok: false, error: 'invalid_grant' });
    const api = await a.api('POST', '/devices', { publicKey: (await genKeyPair()).publicKey });
    assert.equal(api.status, 401);
    assert.equal(api.body?.error, 'invalid_token');
  });

  test('sign-out revokes the refresh token at the revocation endpoint (RFC 7009)', async () => {
    const a = await signedInAnn();
    await a.call('revokeRefreshToken');
    const r = await a.call<{ ok: boolean; error?: string }>('refresh');
    assert.deepEqual(r, { ok: false, error: 'invalid_grant' });
  });

  test('the log is JSON lines and holds no tokens', async () => {
    const lines = portal.proc.stderr().trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.doesNotMatch(portal.proc.stderr(), /Bearer|access_token|refresh_token|code=/);
  });
});
