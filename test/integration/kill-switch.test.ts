// The kill switch against real nftables, the real CLI and a stock wireguard-go server. An
// "internet" HTTP server (192.0.2.80 and 2001:db8::80 on the server namespace's loopback,
// reachable from the client directly over the veth, or through the tunnel) answers with,
// and logs, the source address of every request: 10.200.0.2 means through the tunnel,
// 10.99.0.2 or fd99::2 means the request left outside it (a leak while the kill switch is on).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  requireRoot,
  waitFor,
  type ManagedProcess,
  type Namespace,
  type Topology,
} from '../harness/index.js';
import { CLI, logLines, startSlipstream } from './slipstream.js';
import { APP_DIRECT_SOURCES, APP_TUNNEL_SOURCE, startAppClient } from './app-client.js';

const INTERNET_V4 = '192.0.2.80';
const INTERNET_V6 = '2001:db8::80';
const TUNNEL_SOURCE = '10.200.0.2';
const DIRECT_SOURCES = ['10.99.0.2', 'fd99::2', ...APP_DIRECT_SOURCES];

// Listens on 8080 and on 53 (to stand in for a DNS server on the LAN), dual-stack.
const HTTP_SERVER = `
const http = require('node:http');
const handler = (req, res) => {
  const from = req.socket.remoteAddress.replace(/^::ffff:/, '');
  console.log(JSON.stringify({ from, port: req.socket.localPort }));
  res.end(from);
};
let ready = 0;
for (const port of [8080, 53]) {
  http.createServer(handler).listen(port, '::', () => { if (++ready === 2) console.log('listening'); });
}
`;

interface Answer {
  ok: boolean;
  body: string;
  error: string;
}

/** `device`: bind to that interface (SO_BINDTODEVICE), i.e. leave outside the tunnel. */
async function get(
  ns: Namespace,
  host: string,
  port = 8080,
  timeoutSec = 3,
  device?: string,
): Promise<Answer> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const bind = device === undefined ? [] : ['--interface', device];
  const r = await ns.run(
    'curl',
    ['-sS', '--globoff', '--max-time', String(timeoutSec), ...bind, url],
    {
      timeoutMs: (timeoutSec + 5) * 1000,
    },
  );
  return { ok: r.code === 0, body: r.stdout.trim(), error: r.stderr.trim() };
}

describe('kill switch (slipstream up, nftables)', () => {
  let topo: Topology;
  let web: ManagedProcess;
  const stateEnv = () => ({ SLIPSTREAM_STATE_DIR: `/run/slipstream-test-${topo.clientNs.name}` });
  /** Requests the internet server saw from outside the tunnel. */
  const leaks = () =>
    web
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { from: string; port: number })
      .filter((r) => DIRECT_SOURCES.includes(r.from));
  const fullTunnelV4 = () =>
    topo.writeClientConfig({
      dns: ['10.200.0.1'],
      peers: topo.clientConfig().peers.map((p) => ({ ...p, allowedIps: ['0.0.0.0/0'] })),
    });
  const table = async (ns: Namespace = topo.clientNs) =>
    (await ns.run('nft', ['list', 'table', 'inet', 'slipstream'])).code === 0;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'ks' });
    await topo.serverNs.ip(['addr', 'add', `${INTERNET_V4}/32`, 'dev', 'lo']);
    await topo.serverNs.ip(['-6', 'addr', 'add', `${INTERNET_V6}/128`, 'dev', 'lo']);
    // The server namespace is also the client's router to "the internet" (default routes).
    await topo.clientNs.ip(['route', 'add', 'default', 'via', topo.link.a.v4 ?? '']);
    await topo.clientNs.ip(['-6', 'route', 'add', 'default', 'via', topo.link.a.v6 ?? '']);
    web = topo.serverNs.spawn(process.execPath, ['-e', HTTP_SERVER], { label: 'internet http' });
    await web.waitForOutput(/listening/, { timeoutMs: 10_000 });
    // The direct path works before any tunnel: the leak checks below could see a leak.
    await waitFor(async () => (await get(topo.clientNs, INTERNET_V6, 8080, 2)).ok || null, {
      timeoutMs: 10_000,
      what: 'IPv6 direct path (duplicate address detection)',
    });
    assert.deepEqual(await get(topo.clientNs, INTERNET_V4), {
      ok: true,
      body: '10.99.0.2',
      error: '',
    });
  });
  after(async () => {
    // The SIGKILL case's state directory (`slipstream down` empties it, the directory stays).
    if (topo) rmSync(stateEnv().SLIPSTREAM_STATE_DIR, { recursive: true, force: true });
    await cleanupAll();
  });

  test('control: without the kill switch an IPv4-only full tunnel leaks IPv6 and reaches the LAN', async () => {
    const client = await startSlipstream(topo.clientNs, await fullTunnelV4(), ['--no-kill-switch']);
    try {
      const v4 = await waitFor(
        async () => {
          const a = await get(topo.clientNs, INTERNET_V4);
          return a.ok ? a : null;
        },
        { timeoutMs: 10_000, what: 'the internet through the tunnel' },
      );
      assert.equal(v4.body, TUNNEL_SOURCE);
      assert.equal((await get(topo.clientNs, INTERNET_V6)).body, 'fd99::2', 'IPv6 leaks');
      assert.equal((await get(topo.clientNs, topo.link.a.v4 ?? '')).ok, true, 'LAN reachable');
      assert.equal(await table(), false);
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
    }
  });

  test('full IPv4 tunnel: the internet only through the tunnel; IPv6, LAN and other DNS blocked', async () => {
    const leaksBefore = leaks().length;
    const client = await startSlipstream(topo.clientNs, await fullTunnelV4());
    try {
      assert.ok(logLines(client.proc).some((l) => l.message === 'kill switch on'));
      assert.ok(await table(), 'the nftables table is there');
      const v4 = await waitFor(
        async () => {
          const a = await get(topo.clientNs, INTERNET_V4);
          return a.ok ? a : null;
        },
        { timeoutMs: 10_000, what: 'the internet through the tunnel' },
      );
      assert.equal(v4.body, TUNNEL_SOURCE);

      const started = Date.now();
      const v6 = await get(topo.clientNs, INTERNET_V6);
      assert.equal(v6.ok, false, `IPv6 must not leave outside the tunnel: ${v6.body}`);
      // Rejected, not silently dropped: applications fail at once.
      assert.ok(Date.now() - started < 2_500, `IPv6 failed after ${Date.now() - started} ms`);
      const lan = await get(topo.clientNs, topo.link.a.v4 ?? '');
      assert.equal(lan.ok, false, 'the LAN is blocked without --allow-lan');
      assert.equal(leaks().length, leaksBefore, 'the internet server saw no direct request');
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
    }
    assert.equal(await table(), false, 'Ctrl-C lifts the kill switch');
    assert.equal((await get(topo.clientNs, INTERNET_V4)).body, '10.99.0.2', 'direct path back');
  });

  test('--allow-lan: the LAN answers, DNS to the LAN and the internet outside the tunnel do not', async () => {
    const client = await startSlipstream(topo.clientNs, await fullTunnelV4(), ['--allow-lan']);
    try {
      await waitFor(async () => (await get(topo.clientNs, INTERNET_V4)).ok || null, {
        timeoutMs: 10_000,
        what: 'the internet through the tunnel',
      });
      const leaksBefore = leaks().length;
      assert.equal((await get(topo.clientNs, INTERNET_V4)).body, TUNNEL_SOURCE);
      assert.equal((await get(topo.clientNs, topo.link.a.v4 ?? '')).body, '10.99.0.2', 'LAN');
      assert.equal((await get(topo.clientNs, topo.link.a.v6 ?? '')).body, 'fd99::2', 'LAN v6');
      // Port 53 on the LAN is not the tunnel's DNS server: refused even with the LAN allowed.
      assert.equal((await get(topo.clientNs, topo.link.a.v4 ?? '', 53)).ok, false, 'LAN DNS');
      assert.equal((await get(topo.clientNs, INTERNET_V6)).ok, false, 'IPv6 internet');
      const seen = leaks().slice(leaksBefore);
      assert.ok(
        seen.every((r) => r.port === 8080),
        `only the LAN requests came directly: ${JSON.stringify(seen)}`,
      );
      assert.equal(seen.length, 2);
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
    }
  });

  test('after SIGKILL nothing leaks until `slipstream down`; then the direct path works', async () => {
    const client = await startSlipstream(topo.clientNs, await fullTunnelV4(), [], stateEnv());
    await waitFor(async () => (await get(topo.clientNs, INTERNET_V4)).ok || null, {
      timeoutMs: 10_000,
      what: 'the internet through the tunnel',
    });
    assert.equal(await client.stop('SIGKILL'), null);
    const leaksBefore = leaks().length;
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(topo.clientNs, INTERNET_V4, 8080, 1)).ok, false, 'IPv4 blocked');
      assert.equal((await get(topo.clientNs, INTERNET_V6, 8080, 1)).ok, false, 'IPv6 blocked');
    }
    assert.ok(await table(), 'the kill switch outlives the process');
    assert.equal(leaks().length, leaksBefore);

    const down = await topo.clientNs.run(process.execPath, [CLI, 'down'], { env: stateEnv() });
    assert.equal(down.code, 0, `slipstream down: ${down.stderr}`);
    assert.match(down.stdout, /Removed what an earlier run left/);
    assert.equal(await table(), false);
    assert.equal((await get(topo.clientNs, INTERNET_V4)).body, '10.99.0.2', 'direct IPv4');
    assert.equal((await get(topo.clientNs, INTERNET_V6)).body, 'fd99::2', 'direct IPv6');
    const again = await topo.clientNs.run(process.execPath, [CLI, 'down'], { env: stateEnv() });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to remove/);
  });

  // One outage for both paths, so the suite pays for it once: the CLI client here and the
  // desktop app's path (the real helper and its state machine, app-client.ts) in a second
  // namespace, both full IPv4 tunnels to the same server. 3 minutes (the app path's
  // requirement) covers the CLI's 2.
  test('server gone for 3 minutes: CLI and app keep blocking and reconnecting; traffic returns', async () => {
    const app = await startAppClient(topo);
    const client = await startSlipstream(topo.clientNs, await fullTunnelV4());
    try {
      await app.ipc.connect({ profileId: app.profileId });
      await waitFor(async () => (await get(topo.clientNs, INTERNET_V4)).ok || null, {
        timeoutMs: 10_000,
        what: 'the internet through the tunnel',
      });
      // Connect only starts it: ask before probing, or a probe could race the start-up.
      await waitFor(async () => (await app.ipc.getState({})).status === 'connected', {
        timeoutMs: 15_000,
        what: 'the app path connected',
      });
      const appUp = await waitFor(
        async () => {
          const a = await get(app.ns, INTERNET_V4);
          return a.ok ? a : null;
        },
        { timeoutMs: 15_000, what: 'the internet through the app path tunnel' },
      );
      assert.equal(appUp.body, APP_TUNNEL_SOURCE);
      assert.ok(await table(app.ns), 'the app path has the kill switch on (full tunnel)');
      const leaksBefore = leaks().length;
      const statesBefore = app.states.length;

      await topo.server.stop();
      const stoppedAt = Date.now();
      const until = stoppedAt + 180_000;
      const attempts: number[] = [];
      let tries = 0;
      while (Date.now() < until) {
        const [cli, viaApp] = await Promise.all([
          get(topo.clientNs, INTERNET_V4, 8080, 2),
          get(app.ns, INTERNET_V4, 8080, 2),
        ]);
        assert.equal(cli.ok, false, `answered while the server was down: ${cli.body}`);
        assert.equal(
          viaApp.ok,
          false,
          `app path answered while the server was down: ${viaApp.body}`,
        );
        if (tries++ % 10 === 0) {
          assert.equal((await get(topo.clientNs, INTERNET_V6, 8080, 1)).ok, false);
          assert.ok(await table(), 'still blocking');
          // The app path: a request bound to the veth (outside the tunnel), IPv6 and the
          // LAN are all refused while it reconnects.
          const outside = await get(app.ns, INTERNET_V4, 8080, 1, app.vethName);
          assert.equal(outside.ok, false, `left outside the app tunnel: ${outside.body}`);
          assert.equal((await get(app.ns, INTERNET_V6, 8080, 1)).ok, false, 'app IPv6');
          assert.equal((await get(app.ns, app.lanV4, 8080, 1)).ok, false, 'app LAN');
          assert.ok(await table(app.ns), 'the app path still blocks');
        }
        const s = await app.ipc.getState({});
        // A session counts as lost once a handshake has gone unanswered for 15 s, which
        // the engine's timers start up to 15 s after the last answer: reconnecting by 60 s.
        if (Date.now() - stoppedAt >= 60_000) {
          assert.equal(s.status, 'reconnecting', `app state ${JSON.stringify(s)}`);
          assert.equal(s.status === 'reconnecting' && s.blocking, true, 'says it blocks');
          if (s.status === 'reconnecting') attempts.push(s.attempt);
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      assert.equal(leaks().length, leaksBefore, 'no request left outside either tunnel');
      assert.ok(client.proc.isRunning(), 'the client never gave up');
      const seen = app.states.slice(statesBefore).map((s) => s.status);
      assert.ok(seen.includes('reconnecting'), `app states: ${seen.join(' ')}`);
      assert.ok(
        seen.every((s) => s === 'connected' || s === 'reconnecting'),
        `the app never gave up: ${[...new Set(seen)].join(' ')}`,
      );
      assert.ok(attempts.length >= 8, `sampled ${attempts.length} times`);
      assert.ok(
        attempts.every((a, i) => i === 0 || a >= attempts[i - 1]!),
        `attempts never go back: ${attempts.join(' ')}`,
      );
      assert.ok(attempts.at(-1)! >= 5, `attempts rose: ${attempts.join(' ')}`);
      process.stdout.write(
        `# app path attempts while the server was down: ${[...new Set(attempts)].join(' ')}\n`,
      );

      await topo.server.restart();
      const restarted = Date.now();
      const [back, appBack] = await Promise.all([
        waitFor(
          async () => {
            const a = await get(topo.clientNs, INTERNET_V4, 8080, 1);
            return a.ok ? { ...a, at: Date.now() } : null;
          },
          { timeoutMs: 30_000, intervalMs: 200, what: 'traffic after the server returned' },
        ),
        waitFor(
          async () =>
            (await app.ipc.getState({})).status === 'connected' ? { at: Date.now() } : null,
          { timeoutMs: 45_000, intervalMs: 200, what: 'the app path connected again' },
        ),
      ]);
      const seconds = (back.at - restarted) / 1000;
      assert.equal(back.body, TUNNEL_SOURCE);
      assert.ok(seconds <= 10, `traffic returned ${seconds} s after the server restarted`);
      process.stdout.write(`# traffic returned ${seconds.toFixed(1)} s after the server restart\n`);
      const appSeconds = (appBack.at - restarted) / 1000;
      process.stdout.write(`# app path connected ${appSeconds.toFixed(1)} s after the restart\n`);
      assert.equal((await get(app.ns, INTERNET_V4)).body, APP_TUNNEL_SOURCE, 'app traffic flows');

      await app.ipc.disconnect({});
      assert.equal(await table(app.ns), false, 'Disconnect lifts the app path kill switch');
      assert.equal((await get(app.ns, INTERNET_V4)).body, APP_DIRECT_SOURCES[0], 'direct again');
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
      await app.stop();
    }
    assert.equal(await table(), false);
  });
});
