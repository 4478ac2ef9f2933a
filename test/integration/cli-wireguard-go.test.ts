// `slipstream up` against a stock wireguard-go server in network namespaces: traffic in
// both address families, a preshared key, server restarts, full-tunnel routing with DNS,
// crash recovery, and a teardown that leaves the namespace exactly as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  ping,
  requireRoot,
  tcpTransfer,
  waitFor,
  waitForPing,
  type Topology,
} from '../harness/index.js';
import { assertSameNetwork, logLines, networkSnapshot, startSlipstream } from './slipstream.js';

const MiB = 1024 * 1024;

describe('slipstream up with a stock wireguard-go server', () => {
  let topo: Topology;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'cl' });
  });
  after(async () => {
    await cleanupAll();
  });

  test('IPv4 and IPv6 ping, a checksummed TCP transfer both ways, then a clean teardown', async () => {
    const before = await networkSnapshot(topo.clientNs);
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      const v4 = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 3 });
      assert.equal(v4.received, 3, `IPv4 ping: ${v4.error ?? ''}`);
      const v6 = await ping(topo.clientNs, topo.tunnel.serverV6, { count: 3 });
      assert.equal(v6.received, 3, `IPv6 ping: ${v6.error ?? ''}`);

      const up = await tcpTransfer({
        fromNs: topo.clientNs,
        toNs: topo.serverNs,
        toAddr: topo.tunnel.serverV4,
        bytes: 8 * MiB,
      });
      assert.ok(up.sha256Match, `upload checksum (${up.bytes}/${up.sentBytes} bytes)`);
      const down = await tcpTransfer({
        fromNs: topo.serverNs,
        toNs: topo.clientNs,
        toAddr: topo.tunnel.clientV6,
        bytes: 8 * MiB,
      });
      assert.ok(down.sha256Match, `download checksum (${down.bytes}/${down.sentBytes} bytes)`);

      const peer = await topo.server.peer();
      assert.ok(peer.latestHandshake !== null, 'server saw a handshake');
      assert.ok(peer.rxBytes > 8 * MiB, 'server received the upload through the tunnel');
    } finally {
      assert.equal(await client.stop('SIGINT'), 0, 'exit status after SIGINT');
    }
    const lines = logLines(client.proc);
    assert.ok(lines.some((l) => l.message === 'handshake complete'));
    assert.ok(lines.some((l) => l.message === 'tunnel down'));
    assertSameNetwork(await networkSnapshot(topo.clientNs), before, 'namespace restored');
  });

  test('the tunnel recovers on its own within 30 s after the server restarts', async () => {
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      await topo.server.restart();
      const restartedAt = Date.now();
      // Keep traffic flowing, as a user would: the client notices the silence and rehandshakes.
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 30_000 });
      const seconds = (Date.now() - restartedAt) / 1000;
      assert.ok(seconds <= 30, `recovered after ${seconds} s`);
      const v6 = await ping(topo.clientNs, topo.tunnel.serverV6, { count: 2 });
      assert.equal(v6.received, 2);
    } finally {
      assert.equal(await client.stop('SIGTERM'), 0);
    }
  });

  test('full tunnel: default routes via policy rules, DNS applied and restored', async () => {
    await topo.clientNs.writeResolvConf({ nameservers: ['192.0.2.53'], search: ['lan'] });
    const before = await networkSnapshot(topo.clientNs);
    const config = await topo.writeClientConfig({
      dns: ['10.200.0.1', 'fd00:200::1', 'corp.example'],
      peers: topo.clientConfig().peers.map((p) => ({ ...p, allowedIps: ['0.0.0.0/0', '::/0'] })),
    });
    const client = await startSlipstream(topo.clientNs, config);
    try {
      // The tunnel's own UDP still reaches the server over the veth (marked, so not looped).
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      const v6 = await ping(topo.clientNs, topo.tunnel.serverV6, { count: 2 });
      assert.equal(v6.received, 2);
      // An address out on "the internet" (here on the server's loopback) now goes through
      // the tunnel; the local veth subnet stays reachable directly, as with wg-quick.
      await topo.serverNs.ip(['addr', 'add', '192.0.2.80/32', 'dev', 'lo']);
      const route = await topo.clientNs.ip(['-j', 'route', 'get', '192.0.2.80']);
      const [r] = JSON.parse(route.stdout) as { dev: string }[];
      assert.equal(r?.dev, client.ifname);
      const onLink = await topo.clientNs.ip(['-j', 'route', 'get', topo.link.a.v4 ?? '']);
      assert.notEqual((JSON.parse(onLink.stdout) as { dev: string }[])[0]?.dev, client.ifname);
      const rxBefore = (await topo.server.peer()).rxBytes;
      const internet = await ping(topo.clientNs, '192.0.2.80', { count: 2 });
      assert.equal(internet.received, 2, `ping 192.0.2.80: ${internet.error ?? ''}`);
      assert.ok((await topo.server.peer()).rxBytes > rxBefore, 'that ping went via the tunnel');

      const rules = (await topo.clientNs.ip(['-4', 'rule'])).stdout;
      assert.match(rules, /not from all fwmark 0xca6c lookup 51820/);
      assert.match(rules, /lookup main suppress_prefixlength 0/);
      const resolv = (await topo.clientNs.readResolvConf()) ?? '';
      assert.match(resolv, /^nameserver 10\.200\.0\.1$/m);
      assert.match(resolv, /^nameserver fd00:200::1$/m);
      assert.match(resolv, /corp\.example/);
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
    }
    assertSameNetwork(await networkSnapshot(topo.clientNs), before, 'rules, routes, DNS restored');
  });

  test('after a crash, the next start removes the leftovers first', async () => {
    await topo.clientNs.writeResolvConf({ nameservers: ['192.0.2.53'] });
    const before = await networkSnapshot(topo.clientNs);
    const config = await topo.writeClientConfig({
      dns: ['10.200.0.1'],
      peers: topo.clientConfig().peers.map((p) => ({ ...p, allowedIps: ['0.0.0.0/0', '::/0'] })),
    });
    const stateDir = { SLIPSTREAM_STATE_DIR: `/run/slipstream-test-${topo.clientNs.name}` };
    const crashed = await startSlipstream(topo.clientNs, config, ['--ifname', 'sstun0'], stateDir);
    assert.equal(await crashed.stop('SIGKILL'), null);
    // The device went with the process; the policy rules and DNS did not.
    assert.match((await topo.clientNs.ip(['-4', 'rule'])).stdout, /lookup 51820/);
    assert.match((await topo.clientNs.readResolvConf()) ?? '', /10\.200\.0\.1/);

    const client = await startSlipstream(topo.clientNs, config, ['--ifname', 'sstun0'], stateDir);
    try {
      assert.ok(
        logLines(client.proc).some((l) => l.message === 'cleaned up after an earlier run'),
        'the recovery is logged',
      );
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      const rules = (await topo.clientNs.ip(['-4', 'rule'])).stdout;
      assert.equal(rules.match(/lookup 51820/g)?.length, 1, 'no duplicate rules');
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
    }
    assertSameNetwork(await networkSnapshot(topo.clientNs), before, 'crash recovery');
  });
});

describe('slipstream up with a preshared key', () => {
  let topo: Topology;
  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'psk', presharedKey: true, endpointFamily: 'v6' });
  });
  after(async () => {
    await cleanupAll();
  });

  test('handshakes with the PSK over an IPv6 endpoint and carries traffic', async () => {
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      const r = await tcpTransfer({
        fromNs: topo.clientNs,
        toNs: topo.serverNs,
        toAddr: topo.tunnel.serverV6,
        bytes: 2 * MiB,
      });
      assert.ok(r.sha256Match);
      const peer = await topo.server.peer();
      assert.ok(peer.hasPresharedKey, 'the server peer really has a PSK');
      assert.match(peer.endpoint ?? '', /^\[fd99::2\]:/);
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });

  test('a wrong PSK never completes a handshake', async () => {
    const wrong = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
    const config = await topo.writeClientConfig({
      peers: topo.clientConfig().peers.map((p) => ({ ...p, presharedKey: wrong })),
    });
    const client = await startSlipstream(topo.clientNs, config, ['--log-level', 'debug']);
    try {
      const r = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 3, timeoutSec: 4 });
      assert.equal(r.received, 0);
      await waitFor(
        () => logLines(client.proc).some((l) => l.message === 'handshake initiated') || null,
        { timeoutMs: 5_000, what: 'a handshake attempt', intervalMs: 100 },
      );
      assert.ok(!logLines(client.proc).some((l) => l.message === 'handshake complete'));
    } finally {
      assert.equal(await client.stop(), 0);
    }
  });
});
