// `npm run bench`: Slipstream against stock wireguard-go as the client of the same
// wireguard-go server, in one rig and one run, rounds alternating A B C / C B A so drift on
// a shared machine hits every variant alike. Writes its section of BENCHMARKS.md.
//
// Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per iperf3 direction (default 5).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import path from 'node:path';
import {
  cleanupAll,
  createTopology,
  ensureTools,
  iperf3,
  makeTempDir,
  ping,
  requireRoot,
  waitForPing,
  type Topology,
} from '../harness/index.js';
import { CLI, logLines, startSlipstream } from '../integration/slipstream.js';
import { cpuSeconds, median, peakRssMb } from './proc-usage.js';
import { writeBenchSection } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

type VariantName = 'wireguard-go' | 'slipstream' | 'slipstream --no-gso';
const VARIANTS: VariantName[] = ['wireguard-go', 'slipstream', 'slipstream --no-gso'];

interface Sample {
  upMbps: number;
  downMbps: number;
  /** Idle ping right after the tunnel came up. */
  rttColdMs: number;
  /** Idle ping 1 s after the transfers (steady state). */
  rttMs: number;
  cpuSecondsPerGB: number;
  peakRssMb: number;
}

interface Running {
  pid: number;
  stop(): Promise<void>;
}

async function startVariant(topo: Topology, config: string, v: VariantName): Promise<Running> {
  if (v === 'wireguard-go') {
    const wg = await topo.startReferenceClient();
    const pid = wg.pid;
    if (pid === undefined) throw new Error('wireguard-go has no pid');
    return { pid, stop: () => wg.stop() };
  }
  const client = await startSlipstream(
    topo.clientNs,
    config,
    v.endsWith('--no-gso') ? ['--no-gso'] : [],
  );
  const pid = client.proc.pid;
  if (pid === undefined) throw new Error('slipstream has no pid');
  return {
    pid,
    stop: async () => {
      const code = await client.stop('SIGINT');
      if (code !== 0)
        throw new Error(`slipstream exited ${code}: ${client.proc.stderr().slice(-2000)}`);
    },
  };
}

async function measure(topo: Topology, config: string, v: VariantName): Promise<Sample> {
  const t = await startVariant(topo, config, v);
  try {
    await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
    const cold = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 20, intervalSec: 0.05 });
    if (!cold.rttMs) throw new Error(`${v}: idle ping failed`);
    const cpu0 = cpuSeconds(t.pid);
    const common = {
      serverNs: topo.serverNs,
      clientNs: topo.clientNs,
      serverAddr: topo.tunnel.serverV4,
      seconds: SECONDS,
    };
    const up = await retryOnce(() => iperf3(common));
    const down = await retryOnce(() => iperf3({ ...common, reverse: true }));
    const cpu = cpuSeconds(t.pid) - cpu0;
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await ping(topo.clientNs, topo.tunnel.serverV4, { count: 20, intervalSec: 0.05 });
    if (!idle.rttMs) throw new Error(`${v}: idle ping after the transfers failed`);
    const gb = ((up.receivedMbps + down.receivedMbps) * SECONDS) / 8 / 1000;
    return {
      upMbps: up.receivedMbps,
      downMbps: down.receivedMbps,
      rttColdMs: cold.rttMs.avg,
      rttMs: idle.rttMs.avg,
      cpuSecondsPerGB: cpu / gb,
      peakRssMb: peakRssMb(t.pid),
    };
  } finally {
    await t.stop();
  }
}

/** iperf3's control connection can stall under heavy loss on a shared machine: one retry. */
async function retryOnce<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.log(`retrying after: ${e instanceof Error ? e.message : String(e)}`);
    return fn();
  }
}

interface SyscallSample {
  innerPackets: number;
  straceSends: number;
  counterSends: number;
  perSend: number;
  upMbps: number;
}

/** Bulk upload under `strace -c`: inner packets per UDP send syscall, cross-checked with the counters. */
async function syscalls(topo: Topology, config: string, noGso: boolean): Promise<SyscallSample> {
  const dir = makeTempDir('ss-bench-strace-').path;
  const summary = path.join(dir, 'strace.txt');
  const args = ['-f', '-c', '-o', summary, '-e', 'trace=sendmsg,sendmmsg,sendto'];
  args.push(process.execPath, CLI, 'up', '--config', config, '--log-level', 'info');
  if (noGso) args.push('--no-gso');
  const proc = topo.clientNs.spawn('strace', args, { label: 'slipstream under strace' });
  await proc.waitForOutput(/^\{.*"message":"tunnel up".*$/m, {
    timeoutMs: 30_000,
    stream: 'stderr',
  });
  await waitForPing(topo.clientNs, topo.tunnel.serverV4, { timeoutMs: 15_000 });
  const up = await retryOnce(() =>
    iperf3({
      serverNs: topo.serverNs,
      clientNs: topo.clientNs,
      serverAddr: topo.tunnel.serverV4,
      seconds: SECONDS,
    }),
  );
  const node = execFileSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
  process.kill(Number(node), 'SIGINT');
  await proc.exited;
  const calls = (name: string) => {
    const m = new RegExp(
      `^\\s*[\\d.]+\\s+[\\d.]+\\s+\\d+\\s+(\\d+)(?:\\s+\\d+)?\\s+${name}$`,
      'm',
    ).exec(readFileSync(summary, 'utf8'));
    return m ? Number(m[1]) : 0;
  };
  const straceSends = calls('sendmsg') + calls('sendmmsg') + calls('sendto');
  const down = logLines(proc).find((l) => l.message === 'tunnel going down');
  const stats = (down?.stats ?? {}) as {
    tun?: { packetsRead?: number };
    udp?: { sendSyscalls?: number };
  };
  const innerPackets = stats.tun?.packetsRead ?? 0;
  return {
    innerPackets,
    straceSends,
    counterSends: stats.udp?.sendSyscalls ?? 0,
    perSend: innerPackets / Math.max(1, straceSends),
    upMbps: up.receivedMbps,
  };
}

/** Written from profiles of this design (see the README); kept with the figures it explains. */
const WHERE_THE_TIME_GOES = `## Where the time goes

From \`node --cpu-prof\` of the tunnel process during an iperf3 upload: the crypto worker
spends about 60 % of its time in @noble's ChaCha20 and Poly1305 (\`chachaCore\`, \`process\`,
\`copyBytes\`, \`u32\`); alone, it seals 1424-byte packets at about 47 000 packets/s
(536 Mbit/s) per core here. The main thread, which also joins the crypto work, spends the
rest on one \`write()\` per packet into the TUN device (about 17 % on download), one
\`read()\` per packet from it, and framing. Syscalls towards the network are already
batched (34 packets per send), so GSO's remaining advantage over \`sendmmsg\` is the kernel's
per-packet path. Reaching the targets needs native SIMD ChaCha20-Poly1305 in the addon
and TUN offloads (IFF_VNET_HDR with TSO/USO, as newer wireguard-go versions use).
`;

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  requireRoot();
  await ensureTools();
  const topo = await createTopology({ prefix: 'bn' });
  try {
    const config = await topo.writeClientConfig();
    const samples = new Map<VariantName, Sample[]>(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const v of order) {
        const s = await measure(topo, config, v);
        samples.get(v)!.push(s);
        console.log(`round ${r + 1} ${v}: ${JSON.stringify(s)}`);
      }
    }
    const med = (v: VariantName, k: keyof Sample) => median(samples.get(v)!.map((s) => s[k]));
    const gso = await syscalls(topo, config, false);
    const noGso = await syscalls(topo, config, true);
    console.log('strace', JSON.stringify({ gso, noGso }));

    const wg = (k: keyof Sample) => med('wireguard-go', k);
    const ss = (k: keyof Sample) => med('slipstream', k);
    const ng = (k: keyof Sample) => med('slipstream --no-gso', k);
    const rows = VARIANTS.map(
      (v) =>
        `| ${v} | ${fmt(med(v, 'upMbps'))} | ${fmt(med(v, 'downMbps'))} | ${fmt(med(v, 'rttColdMs'), 3)} | ${fmt(med(v, 'rttMs'), 3)} | ${fmt(med(v, 'cpuSecondsPerGB'), 1)} | ${fmt(med(v, 'peakRssMb'))} |`,
    );
    const ratio = (a: number, b: number) => fmt(a / b, 2);
    const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
    const md = `## Tunnel: throughput, latency, CPU, syscalls

Reproduce with \`sudo npm run bench\` (Linux, root; \`BENCH_ROUNDS\`, \`BENCH_SECONDS\` tune it).
The rig: two network namespaces joined by a veth pair, Debian's wireguard-go as the server in
one, and in the other the client under test: stock wireguard-go (${wgVersion()}) or Slipstream,
each driven by the same wg-quick config. Traffic is iperf3 TCP through the tunnel, ${SECONDS} s per
direction, ${ROUNDS} rounds alternating the order of the variants; figures are medians. Both ends
and the load generator share the machine's cores, so only ratios within one run mean anything.

Machine: ${cpus().length} × ${cpuModel}, Linux ${release()}, Node ${process.version}; measured ${new Date().toISOString()}.

| client | upload Mbit/s | download Mbit/s | idle RTT ms, just started | idle RTT ms, after the transfers | CPU s per GB | peak RSS MB |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Ratios in this run:
- upload, Slipstream / wireguard-go: **${ratio(ss('upMbps'), wg('upMbps'))}×** (target ≥ 1.5×)
- download, Slipstream / wireguard-go: **${ratio(ss('downMbps'), wg('downMbps'))}×** (target ≥ 1.2×)
- upload, GSO / \`--no-gso\`: **${ratio(ss('upMbps'), ng('upMbps'))}×** (target ≥ 1.3×)
- idle RTT after the transfers, Slipstream − wireguard-go: **${fmt(ss('rttMs') - wg('rttMs'), 3)} ms** (target ≤ 0.3 ms); just after start: ${fmt(ss('rttColdMs') - wg('rttColdMs'), 3)} ms

UDP send syscalls under a ${SECONDS} s bulk upload, counted by \`strace -f -c\` and cross-checked with
Slipstream's own counters (strace slows the process, so these throughputs are not comparable):

| mode | inner packets | send syscalls (strace) | send syscalls (counters) | inner packets per send |
|---|---|---|---|---|
| GSO | ${gso.innerPackets} | ${gso.straceSends} | ${gso.counterSends} | **${fmt(gso.perSend, 1)}** |
| \`--no-gso\` (sendmmsg) | ${noGso.innerPackets} | ${noGso.straceSends} | ${noGso.counterSends} | ${fmt(noGso.perSend, 1)} |

${WHERE_THE_TIME_GOES}`;
    writeBenchSection('tunnel', md);
    console.log(md);
  } finally {
    await topo.destroy().catch(() => {});
    await cleanupAll();
  }
}

function wgVersion(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'wireguard-go'], {
      encoding: 'utf8',
    });
  } catch {
    return 'unknown version';
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
