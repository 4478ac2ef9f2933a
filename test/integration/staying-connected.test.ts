// Staying connected, with the real CLI against a stock wireguard-go server in namespaces:
// a default-route change in the client namespace brings a handshake at once, and a server
// that moves to a new address behind its host name (the client namespace's own
// /etc/netns/<ns>/hosts) is found again without restarting the client.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  requireRoot,
  waitFor,
  waitForPing,
  type Topology,
} from '../harness/index.js';
import { logLines, startSlipstream } from './slipstream.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('staying connected (CLI against wireguard-go)', () => {
  let topo: Topology;
  let hostsFile: string;
  const NAME = 'vpn.slipstream.test';

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'sc' });
    // writeResolvConf makes /etc/netns/<ns> (removed with the namespace); `ip netns exec`
    // bind-mounts the files there over /etc, so the client sees this hosts file as /etc/hosts.
    hostsFile = path.join(
      path.dirname(await topo.clientNs.writeResolvConf({ nameservers: ['127.0.0.1'] })),
      'hosts',
    );
  });
  after(async () => {
    await cleanupAll();
  });

  test('a default-route change in the client namespace brings a handshake within 2 s', async () => {
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      const completes = () =>
        logLines(client.proc).filter((l) => l.message === 'handshake complete').length;
      const before = completes();
      const serverBefore = (await topo.server.peer()).latestHandshake ?? 0;
      // wg(8) shows handshakes to the second: let the first one age so a new one is visible.
      await sleep(2200);
      assert.equal(completes(), before, 'no handshake without a change');
      const changedAt = Date.now();
      await topo.clientNs.ip([
        'route',
        'replace',
        'default',
        'via',
        topo.link.a.v4!,
        'dev',
        topo.link.b.ifname,
      ]);
      await waitFor(() => completes() > before, {
        timeoutMs: 2000,
        intervalMs: 20,
        what: 'a handshake after the route change',
      });
      const seconds = (Date.now() - changedAt) / 1000;
      const serverAfter = (await topo.server.peer()).latestHandshake ?? 0;
      assert.ok(
        serverAfter > serverBefore,
        `the server saw the new handshake (${serverBefore} -> ${serverAfter})`,
      );
      const change = logLines(client.proc).find(
        (l) => l.message === 'network changed; handshaking now',
      );
      assert.ok(change, 'the client logged the change');
      assert.ok(
        (change.reasons as string[]).includes('default route changed'),
        JSON.stringify(change.reasons),
      );
      console.log(`# handshake ${seconds.toFixed(2)} s after the default route changed`);
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 5_000 });
    } finally {
      await topo.clientNs.ip(['route', 'del', 'default']).catch(() => {});
      assert.equal(await client.stop('SIGINT'), 0);
    }
  });

  test('the server moves to a new address: the host name follows and traffic returns within 30 s', async () => {
    const server = topo.link.a;
    writeFileSync(hostsFile, `127.0.0.1 localhost\n${server.v4} ${NAME}\n`);
    const config = await topo.writeClientConfig({
      peers: topo
        .clientConfig()
        .peers.map((p) => ({ ...p, endpoint: `${NAME}:${topo.server.port}` })),
    });
    const client = await startSlipstream(topo.clientNs, config, ['--log-level', 'debug']);
    const moved = '10.99.0.11';
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      // The server's address changes and its name follows (in place: the bind mount keeps the inode).
      // (Deleting a primary address also deletes the secondaries of its subnet: delete first.)
      await topo.serverNs.ip(['addr', 'del', server.v4Cidr!, 'dev', server.ifname]);
      await topo.serverNs.ip(['addr', 'add', `${moved}/24`, 'dev', server.ifname]);
      // A server that moves is a new instance, which has not learned where the client is:
      // it cannot call the client back (wireguard-go would, if it still knew), so only the
      // client finding the new address brings the tunnel back.
      await topo.server.restart();
      writeFileSync(hostsFile, `127.0.0.1 localhost\n${moved} ${NAME}\n`);
      const movedAt = Date.now();
      // Traffic keeps flowing, as a user's would; no restart of the client.
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 30_000 });
      const seconds = (Date.now() - movedAt) / 1000;
      assert.ok(seconds <= 30, `traffic back after ${seconds} s`);
      const found = logLines(client.proc).find(
        (l) => l.message === 'endpoint host name resolves to a new address',
      );
      assert.ok(found, 'the client looked the name up again');
      assert.equal(found.to, `${moved}:${topo.server.port}`);
      assert.equal((await topo.server.peer()).endpoint?.startsWith(topo.link.b.v4!), true);
      console.log(
        `# traffic back ${seconds.toFixed(1)} s after the server moved (${String(found.reason)})`,
      );
    } catch (err) {
      console.log(client.proc.stderr().split('\n').slice(-40).join('\n'));
      throw err;
    } finally {
      assert.equal(await client.stop('SIGINT'), 0);
      await topo.serverNs.ip(['addr', 'del', `${moved}/24`, 'dev', server.ifname]).catch(() => {});
      await topo.serverNs.ip(['addr', 'add', server.v4Cidr!, 'dev', server.ifname]).catch(() => {});
    }
  });
});
