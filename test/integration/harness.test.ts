// Self-test of the network harness: two stock wireguard-go instances (server namespace and
// client namespace joined by a veth pair) must carry IPv4 and IPv6 traffic, survive a
// server restart, and leave nothing behind after cleanup.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createNamespace,
  createTopology,
  ensureTools,
  iperf3,
  listNamespaces,
  parseWgConfig,
  ping,
  reapStaleNamespaces,
  renderClientConfig,
  requireRoot,
  startWireGuardGoServer,
  tcpTransfer,
  waitFor,
  waitForPing,
  type Topology,
  type WireGuardGo,
} from '../harness/index.js';

const HARNESS_INDEX = fileURLToPath(new URL('../harness/index.js', import.meta.url));
const MiB = 1024 * 1024;

describe('network harness with stock wireguard-go', () => {
  let topo: Topology;
  let client: WireGuardGo;
  let configPath: string;
  const createdNamespaces: string[] = [];
  const socketFiles: string[] = [];

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'hs', presharedKey: true });
    createdNamespaces.push(topo.serverNs.name, topo.clientNs.name);
    configPath = await topo.writeClientConfig();
    client = await topo.startReferenceClient();
    socketFiles.push(
      `/var/run/wireguard/${topo.server.ifname}.sock`,
      `/var/run/wireguard/${client.ifname}.sock`,
    );
  });

  after(async () => {
    await cleanupAll();
  });

  test('the client config is a private wg-quick file that parses back to its parts', () => {
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    const text = readFileSync(configPath, 'utf8');
    assert.match(text, /^Address = 10\.200\.0\.2\/24, fd00:200::2\/64$/m);
    // Compared as booleans: an assertion diff would print the keys into the test log.
    const parsed = parseWgConfig(text);
    assert.ok(
      isDeepStrictEqual(parsed, topo.clientConfig()),
      'parsed config differs from the parts it was written from',
    );
    assert.ok(renderClientConfig(parsed) === text, 're-rendered config differs from the file');
  });

  test('the veth underlay carries both address families', async () => {
    const { a } = topo.link;
    assert.ok(a.v4 && a.v6);
    for (const addr of [a.v4, a.v6]) {
      const r = await ping(topo.clientNs, addr, { count: 2 });
      assert.equal(r.received, 2, `underlay ping ${addr}: ${r.error ?? ''}`);
    }
  });

  test('pings cross the tunnel over IPv4 and IPv6 and both ends see the handshake', async () => {
    const v4 = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 3 });
    assert.equal(v4.received, 3, `IPv4 tunnel ping: ${v4.error ?? ''}`);
    assert.ok(v4.rttMs !== null && v4.rttMs.avg > 0);
    const v6 = await ping(topo.clientNs, topo.tunnel.serverV6, { count: 3 });
    assert.equal(v6.received, 3, `IPv6 tunnel ping: ${v6.error ?? ''}`);
    const back = await ping(topo.serverNs, topo.tunnel.clientV6, { count: 1 });
    assert.equal(back.received, 1, 'server to client over IPv6');

    const seenByServer = await topo.server.peer(topo.client.publicKey);
    assert.notEqual(seenByServer.latestHandshake, null);
    assert.equal(seenByServer.hasPresharedKey, true);
    assert.ok(seenByServer.rxBytes > 0 && seenByServer.txBytes > 0);
    assert.equal(seenByServer.endpoint?.startsWith(`${topo.link.b.v4}:`), true);
    const seenByClient = await client.peer(topo.server.publicKey);
    assert.notEqual(seenByClient.latestHandshake, null);
    assert.equal(seenByClient.endpoint, topo.serverEndpoint);
  });

  test('a 4 MiB TCP transfer arrives intact (IPv4), and 1 MiB over IPv6', async () => {
    const r4 = await tcpTransfer({
      fromNs: topo.clientNs,
      toNs: topo.serverNs,
      toAddr: topo.tunnel.serverV4,
      bytes: 4 * MiB,
    });
    assert.equal(r4.bytes, 4 * MiB);
    assert.equal(r4.sha256Match, true);
    assert.ok(r4.seconds > 0 && r4.mbps > 0);
    const r6 = await tcpTransfer({
      fromNs: topo.serverNs,
      toNs: topo.clientNs,
      toAddr: topo.tunnel.clientV6,
      bytes: MiB,
    });
    assert.equal(r6.sha256Match, true);
  });

  test('iperf3 measures throughput through the tunnel', async () => {
    const r = await iperf3({
      serverNs: topo.serverNs,
      clientNs: topo.clientNs,
      serverAddr: topo.tunnel.serverV4,
      seconds: 1,
    });
    assert.ok(r.sentMbps > 1, `sent ${r.sentMbps} Mbit/s`);
    assert.ok(r.receivedMbps > 1, `received ${r.receivedMbps} Mbit/s`);
    assert.notEqual(r.retransmits, null);
  });

  test('a namespace gets its own resolv.conf without touching the host one', async () => {
    const hostBefore = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf') : null;
    await topo.clientNs.writeResolvConf({ nameservers: ['10.200.0.1'], search: ['vpn.test'] });
    const inside = await topo.clientNs.exec('cat', ['/etc/resolv.conf']);
    assert.equal(inside.stdout, 'nameserver 10.200.0.1\nsearch vpn.test\n');
    const hostAfter = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf') : null;
    assert.deepEqual(hostAfter, hostBefore);
    await topo.clientNs.removeResolvConf();
    assert.equal(await topo.clientNs.readResolvConf(), null);
  });

  test('sysctl changes apply to one namespace only', async () => {
    const host = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const flipped = host === '1' ? '0' : '1';
    await topo.clientNs.sysctl('net.ipv4.ip_forward', flipped);
    assert.equal(await topo.clientNs.readSysctl('net.ipv4.ip_forward'), flipped);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), host);
  });

  test('bad keys are refused with a short error that does not echo them', async () => {
    const bogus = 'this-is-not-a-key-but-might-be-a-secret';
    await assert.rejects(
      startWireGuardGoServer(topo.serverNs, { address: ['10.201.0.1/24'], privateKey: bogus }),
      (e: Error) =>
        /private key is not a valid WireGuard key/.test(e.message) && !e.message.includes(bogus),
    );
    assert.equal(topo.server.logs().includes(topo.server.privateKey), false);
  });

  test('traffic resumes after the server is restarted', async () => {
    const before = (await topo.server.peer(topo.client.publicKey)).latestHandshake ?? 0;
    const oldPid = topo.server.process?.pid;
    await topo.server.restart();
    assert.notEqual(topo.server.process?.pid, oldPid);
    assert.equal((await topo.server.show()).listenPort, 51820);
    // The restarted server has no session; the stock client re-handshakes once its data
    // goes unanswered (about 15 s in wireguard-go).
    await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 35_000 });
    const after = await topo.server.peer(topo.client.publicKey);
    assert.ok((after.latestHandshake ?? 0) >= before);
    const v6 = await ping(topo.clientNs, topo.tunnel.serverV6, { count: 2 });
    assert.equal(v6.received, 2);
  });

  test('cleanupAll removes every namespace, process and control socket', async () => {
    const pids = [topo.server.process?.pid, client.process?.pid].filter(
      (p): p is number => p !== undefined,
    );
    assert.equal(pids.length, 2);
    await cleanupAll();
    const remaining = await listNamespaces();
    for (const name of createdNamespaces)
      assert.ok(!remaining.includes(name), `${name} left behind`);
    assert.deepEqual(
      remaining.filter((n) => /^ss-hs(srv|cli)-/.test(n)),
      [],
      'no ss- namespace of this test left',
    );
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
    for (const sock of socketFiles) assert.equal(existsSync(sock), false, `${sock} left behind`);
    assert.equal(existsSync(configPath), false, 'client config removed');
  });
});

describe('harness cleanup when the test process dies', () => {
  before(() => requireRoot());
  after(async () => {
    await cleanupAll();
  });

  // Starts a node process that creates a namespace, runs a sleeper inside, and waits.
  function startOrphanMaker(): { child: ReturnType<typeof spawn>; name: Promise<string> } {
    const script = `
      const h = await import(${JSON.stringify(HARNESS_INDEX)});
      const ns = await h.createNamespace('hdie');
      ns.spawn('sleep', ['3131']);
      console.log(ns.name);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const name = new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /^(ss-hdie-\w+)$/m.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`helper exited early (${code})`)));
    });
    return { child, name };
  }

  test('SIGTERM: the exit hook deletes the namespace and kills what ran in it', async () => {
    const { child, name } = startOrphanMaker();
    const ns = await name;
    assert.ok((await listNamespaces()).includes(ns));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    assert.equal(child.exitCode, 143);
    assert.ok(!(await listNamespaces()).includes(ns), `${ns} left behind`);
  });

  test('SIGKILL: reapStaleNamespaces removes what the dead process left', async () => {
    const { child, name } = startOrphanMaker();
    const ns = await name;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok((await listNamespaces()).includes(ns), 'SIGKILL cannot run cleanup');
    const reaped = await reapStaleNamespaces();
    assert.ok(reaped.includes(ns));
    assert.ok(!(await listNamespaces()).includes(ns));
    // The sleeper that lived in the namespace is gone too.
    await waitFor(
      () => {
        const sleepers = readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .filter((p) => {
            try {
              return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\u00003131\u0000';
            } catch {
              return false;
            }
          });
        return sleepers.length === 0;
      },
      { timeoutMs: 3000, what: 'the orphaned sleeper to exit' },
    );
  });

  test('namespaces made here are deleted on request and refuse further use', async () => {
    const ns = await createNamespace('hdel');
    await ns.delete();
    assert.ok(!(await listNamespaces()).includes(ns.name));
    await assert.rejects(ns.exec('true', []), /has been deleted/);
  });
});
