// The batched data path under load, against stock wireguard-go: large checksummed transfers
// with GSO, with a path that reorders, duplicates and loses packets (a userspace relay), with GSO refused by the kernel
// (a path MTU below the datagram size), with --no-gso, and with crypto on the main
// thread. The native data path (the addon's threads) carries the transfers unless
// --js-data-path asks for the TypeScript one, which has its own runs here. Counters come
// from Slipstream's own JSONL log line at shutdown.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  requireRoot,
  tcpTransfer,
  waitForPing,
  type Topology,
} from '../harness/index.js';
import { logLines, startSlipstream, type RunningClient } from './slipstream.js';

const MiB = 1024 * 1024;
const CHAOS_RELAY = fileURLToPath(new URL('../harness/udp-chaos-relay.js', import.meta.url));

interface DownStats {
  dataPath: 'native' | 'javascript';
  engine: { gsoRuns: number; gsoDatagrams: number; datagramsOut: number; tunPacketsIn: number };
  crypto: { workers: number; sealed: number; opened: number; lanesSubmitted: number };
  gso: boolean;
  udp: { sendSyscalls: number; gsoSends: number; segmentsSent: number; gsoFallbacks: number };
  tun: { packetsRead: number; writeSyscalls: number; packetsWritten: number };
}

async function stopAndReadStats(client: RunningClient): Promise<DownStats> {
  assert.equal(await client.stop('SIGINT'), 0, 'clean exit');
  const line = logLines(client.proc).find((l) => l.message === 'tunnel going down');
  assert.ok(line, 'counters logged at shutdown');
  return line.stats as DownStats;
}

async function transferBothWays(topo: Topology, bytes: number): Promise<void> {
  const up = await tcpTransfer({
    fromNs: topo.clientNs,
    toNs: topo.serverNs,
    toAddr: topo.tunnel.serverV4,
    bytes,
    timeoutMs: 120_000,
  });
  assert.ok(up.sha256Match, `upload intact (${up.bytes}/${up.sentBytes} bytes)`);
  const down = await tcpTransfer({
    fromNs: topo.serverNs,
    toNs: topo.clientNs,
    toAddr: topo.tunnel.clientV6,
    bytes,
    timeoutMs: 120_000,
  });
  assert.ok(down.sha256Match, `download intact (${down.bytes}/${down.sentBytes} bytes)`);
}

/** Both directions went in batches: several datagrams per GSO send, few syscalls per packet. */
function assertBatchedWithGso(stats: DownStats): void {
  assert.ok(stats.udp.gsoSends > 0, 'GSO sends happened');
  const perSend = stats.udp.segmentsSent / stats.udp.gsoSends;
  assert.ok(perSend > 2, `datagrams per GSO send: ${perSend.toFixed(1)}`);
  assert.ok(
    stats.udp.sendSyscalls < stats.engine.datagramsOut / 2,
    `send syscalls ${stats.udp.sendSyscalls} for ${stats.engine.datagramsOut} datagrams`,
  );
  assert.ok(stats.tun.packetsWritten > 10_000, 'decrypted packets written back in batches');
  assert.ok(stats.tun.writeSyscalls <= stats.tun.packetsWritten);
}

describe('the batched data path under load', () => {
  let topo: Topology;
  let clientVeth: string;

  before(async () => {
    requireRoot();
    await ensureTools();
    topo = await createTopology({ prefix: 'dp' });
    clientVeth = topo.link.b.ifname;
  });
  after(async () => {
    await cleanupAll();
  });

  /** A client started with `args` moves `bytes` each way and stops: its shutdown stats and log. */
  async function transferWith(
    args: string[],
    bytes: number,
  ): Promise<{ stats: DownStats; client: RunningClient }> {
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig(), args);
    let stats: DownStats;
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      await transferBothWays(topo, bytes);
    } finally {
      stats = await stopAndReadStats(client);
    }
    return { stats, client };
  }

  test('64 MiB each way on the native data path: intact, many datagrams per send, no crypto workers', async () => {
    const { stats } = await transferWith([], 64 * MiB);
    assert.equal(stats.dataPath, 'native');
    assert.equal(stats.gso, true, 'GSO stayed on');
    assert.equal(stats.crypto.workers, 0, 'the native threads seal and open');
    assert.equal(stats.crypto.sealed + stats.crypto.opened, 0, 'no transport crypto in JavaScript');
    assertBatchedWithGso(stats);
  });

  test('64 MiB each way on the JavaScript data path with GSO: intact, crypto on workers', async () => {
    const { stats } = await transferWith(['--js-data-path', '--crypto-workers', '2'], 64 * MiB);
    assert.equal(stats.dataPath, 'javascript');
    assert.equal(stats.gso, true, 'GSO stayed on');
    assert.equal(stats.crypto.workers, 2);
    assertBatchedWithGso(stats);
  });

  test('a path that reorders, duplicates and loses packets: streams stay intact and finish', async () => {
    // No netem in this kernel: a userspace relay in the server namespace spoils the path.
    const relay = topo.serverNs.spawn(
      process.execPath,
      [CHAOS_RELAY, '51900', topo.link.a.v4 ?? '', '51820', '1', '20', '2', '7'],
      { label: 'chaos relay' },
    );
    await relay.waitForOutput(/RELAYING/, { timeoutMs: 5_000 });
    const config = await topo.writeClientConfig({
      peers: topo.clientConfig().peers.map((p) => ({ ...p, endpoint: `${topo.link.a.v4}:51900` })),
    });
    const client = await startSlipstream(topo.clientNs, config);
    let stats: DownStats;
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
      await transferBothWays(topo, 8 * MiB);
    } finally {
      stats = await stopAndReadStats(client);
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    const chaos = JSON.parse(relay.output().trim().split('\n').pop() ?? '{}') as Record<
      string,
      number
    >;
    assert.ok((chaos.dropped ?? 0) > 10, `relay dropped ${chaos.dropped}`);
    assert.ok((chaos.reordered ?? 0) > 100, `relay reordered ${chaos.reordered}`);
    assert.ok((chaos.duplicated ?? 0) > 10, `relay duplicated ${chaos.duplicated}`);
    const drops = (logLines(client.proc).find((l) => l.message === 'tunnel going down')?.drops ??
      {}) as Record<string, number>;
    assert.ok((drops.replay ?? 0) > 0, 'duplicates were caught by the replay window');
    void stats;
  });

  test('GSO refused by the kernel (path MTU below the datagrams): detected once, data still intact', async () => {
    // With a 1400-byte underlay, 1452-byte WireGuard datagrams only pass as IP fragments;
    // the kernel refuses such segments for GSO (EMSGSIZE) but fragments plain sends.
    await topo.clientNs.ip(['link', 'set', 'dev', clientVeth, 'mtu', '1400']);
    await topo.serverNs.ip(['link', 'set', 'dev', topo.link.a.ifname, 'mtu', '1400']);
    const client = await startSlipstream(topo.clientNs, await topo.writeClientConfig());
    let stats: DownStats;
    try {
      await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 10_000 });
      await transferBothWays(topo, 16 * MiB);
    } finally {
      stats = await stopAndReadStats(client);
      await topo.clientNs.ip(['link', 'set', 'dev', clientVeth, 'mtu', '1500']);
      await topo.serverNs.ip(['link', 'set', 'dev', topo.link.a.ifname, 'mtu', '1500']);
    }
    assert.equal(stats.gso, false, 'fell back');
    assert.equal(stats.udp.gsoFallbacks, 1, 'detected once');
    const notes = logLines(client.proc).filter(
      (l) => l.message === 'UDP GSO is off; sending batches with sendmmsg',
    );
    assert.equal(notes.length, 1, 'logged once');
    assert.equal(notes[0]?.reason, 'refused by the kernel');
  });

  test('--no-gso, --js-data-path and --crypto-workers 0: no GSO sends, crypto inline, still intact', async () => {
    const { stats, client } = await transferWith(
      ['--no-gso', '--js-data-path', '--crypto-workers', '0'],
      16 * MiB,
    );
    assert.equal(stats.gso, false);
    assert.equal(stats.udp.gsoSends, 0);
    assert.equal(stats.udp.gsoFallbacks, 0, 'off by choice, not refused');
    assert.equal(stats.crypto.workers, 0);
    const notes = logLines(client.proc).filter(
      (l) => l.message === 'UDP GSO is off; sending batches with sendmmsg',
    );
    assert.equal(notes[0]?.reason, 'disabled');
  });

  test('--no-gso on the native data path: no GSO sends, still intact', async () => {
    const { stats, client } = await transferWith(['--no-gso'], 16 * MiB);
    assert.equal(stats.dataPath, 'native');
    assert.equal(stats.gso, false);
    assert.equal(stats.udp.gsoSends, 0);
    assert.equal(stats.udp.gsoFallbacks, 0, 'off by choice, not refused');
    const notes = logLines(client.proc).filter(
      (l) => l.message === 'UDP GSO is off; sending batches with sendmmsg',
    );
    assert.equal(notes.length, 1, 'logged once');
    assert.equal(notes[0]?.reason, 'disabled');
  });
});
