// Turns the samples of one run into the tunnel section of BENCHMARKS.md and the README's
// table. Pure: numbers in, markdown out, so the wording and the maths are unit-tested.
import { fmt, median, ratio } from '../stats.js';
import type { Sample } from './measure.js';
import { perSyscall } from './syscalls.js';

export interface Summary {
  name: string;
  samples: number;
  upMbps: number;
  downMbps: number;
  cpuSecondsPerGB: number;
  rttMs: number;
  peakRssMb: number;
  /** Medians of the per-sample ratios; NaN when syscalls were not counted. */
  packetsPerTunSyscall: number;
  packetsPerUdpSyscall: number;
  packets: number;
  tunSyscalls: number;
  udpSyscalls: number;
}

export function summarize(name: string, samples: readonly Sample[]): Summary {
  const med = (f: (s: Sample) => number) => median(samples.map(f));
  const sys = samples.flatMap((s) => (s.syscalls ? [s.syscalls] : []));
  const sysMed = (f: (c: NonNullable<Sample['syscalls']>) => number) => median(sys.map(f));
  return {
    name,
    samples: samples.length,
    upMbps: med((s) => s.upMbps),
    downMbps: med((s) => s.downMbps),
    cpuSecondsPerGB: med((s) => s.cpuSecondsPerGB),
    rttMs: med((s) => s.rttMs),
    peakRssMb: med((s) => s.peakRssMb),
    packetsPerTunSyscall: sysMed((c) => perSyscall(c).tun),
    packetsPerUdpSyscall: sysMed((c) => perSyscall(c).udp),
    packets: sysMed((c) => c.packets),
    tunSyscalls: sysMed((c) => c.tunSyscalls),
    udpSyscalls: sysMed((c) => c.udpSyscalls),
  };
}

export const WG_2023 = 'wireguard-go 2023';
export const WG_2022 = 'wireguard-go 2022';
export const SLIPSTREAM = 'slipstream';

export interface TunnelResults {
  /** Clients of the same wireguard-go 2023 server; null when not run. */
  client: Summary[] | null;
  /** Both ends the same implementation; null when not run. */
  pair: Summary[] | null;
}

export interface ReportMeta {
  command: string;
  machine: string;
  date: string;
  seconds: number;
  rounds: number;
  syscallSeconds: number;
  wg2023Version: string;
  wg2022Version: string;
}

const rounds = (n: number) => `${n} round${n === 1 ? '' : 's'}`;
const x = (n: number) => `**${fmt(n, 2)}×**`;
const find = (list: Summary[], name: string) => list.find((s) => s.name === name);

function clientTable(client: Summary[]): string {
  const rows = client.map(
    (s) =>
      `| ${s.name} | ${fmt(s.upMbps)} | ${fmt(s.downMbps)} | ${fmt(s.cpuSecondsPerGB, 1)} | ${fmt(s.packetsPerTunSyscall, 1)} | ${fmt(s.packetsPerUdpSyscall, 1)} | ${fmt(s.rttMs, 3)} | ${fmt(s.peakRssMb)} |`,
  );
  return [
    '| client | upload Mbit/s | download Mbit/s | client CPU s per GB | packets per TUN syscall | packets per UDP syscall | idle RTT ms | peak RSS MB |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The ratio lines against the targets of issue 11; a missing variant gives no line. */
export function clientRatios(client: Summary[]): string[] {
  const ss = find(client, SLIPSTREAM);
  const w3 = find(client, WG_2023);
  const w2 = find(client, WG_2022);
  const out: string[] = [];
  if (ss && w3) {
    out.push(
      `- upload, Slipstream / wireguard-go 2023: ${x(ratio(ss.upMbps, w3.upMbps))} (target ≥ 1.0×)`,
      `- download, Slipstream / wireguard-go 2023: ${x(ratio(ss.downMbps, w3.downMbps))} (target ≥ 1.0×)`,
      `- client CPU per GB, Slipstream / wireguard-go 2023: ${x(ratio(ss.cpuSecondsPerGB, w3.cpuSecondsPerGB))} (target ≤ 1.0×)`,
      `- idle RTT, Slipstream − wireguard-go 2023: **${fmt(ss.rttMs - w3.rttMs, 3)} ms** (target ≤ 0.1 ms)`,
    );
  }
  if (ss && w2) {
    out.push(
      `- upload, Slipstream / wireguard-go 2022: ${x(ratio(ss.upMbps, w2.upMbps))} (target ≥ 3×)`,
      `- download, Slipstream / wireguard-go 2022: ${x(ratio(ss.downMbps, w2.downMbps))} (target ≥ 3×)`,
    );
  }
  if (ss) out.push(`- peak RSS, Slipstream: **${fmt(ss.peakRssMb)} MB** (target ≤ 150 MB)`);
  return out;
}

function pairTable(pair: Summary[]): string {
  const rows = pair.map(
    (s) =>
      `| ${s.name} ↔ ${s.name} | ${fmt(s.upMbps)} | ${fmt(s.downMbps)} | ${fmt(s.cpuSecondsPerGB, 1)} | ${fmt(s.rttMs, 3)} |`,
  );
  return [
    '| pair | upload Mbit/s | download Mbit/s | CPU s per GB (both ends) | idle RTT ms |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function pairRatios(pair: Summary[]): string[] {
  const ss = find(pair, SLIPSTREAM);
  const w3 = find(pair, WG_2023);
  if (!ss || !w3) return [];
  return [
    `- upload, Slipstream pair / wireguard-go 2023 pair: ${x(ratio(ss.upMbps, w3.upMbps))} (target ≥ 1.0×)`,
    `- download, Slipstream pair / wireguard-go 2023 pair: ${x(ratio(ss.downMbps, w3.downMbps))} (target ≥ 1.0×)`,
    `- CPU per GB, Slipstream pair / wireguard-go 2023 pair: ${x(ratio(ss.cpuSecondsPerGB, w3.cpuSecondsPerGB))}`,
  ];
}

function syscallTable(client: Summary[]): string {
  const rows = client.map(
    (s) =>
      `| ${s.name} | ${fmt(s.packets)} | ${fmt(s.tunSyscalls)} | ${fmt(s.udpSyscalls)} | ${fmt(s.packetsPerTunSyscall, 1)} | ${fmt(s.packetsPerUdpSyscall, 1)} |`,
  );
  return [
    '| client | inner packets | TUN syscalls | UDP syscalls | packets per TUN syscall | packets per UDP syscall |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The tunnel section of BENCHMARKS.md (between its markers). */
export function renderBenchmarks(r: TunnelResults, m: ReportMeta): string {
  const parts = [
    '## Tunnel: wireguard-go 2023 and 2022 against Slipstream',
    '',
    `Reproduce with \`${m.command}\` (Linux, root). Machine: ${m.machine}; measured ${m.date}.`,
    '',
    `The rig: two network namespaces joined by a veth pair. wireguard-go 2023 is Debian's`,
    `${m.wg2023Version} (bookworm-backports: TUN TSO/USO offloads, UDP GSO/GRO), fetched by the`,
    `bench into /var/cache/slipstream-bench; wireguard-go 2022 is Debian's default ${m.wg2022Version}.`,
    `Traffic is iperf3 TCP through the tunnel, ${m.seconds} s per direction; ${rounds(m.rounds)}, the`,
    'order of the variants reversed every other round; figures are medians. CPU is user + system',
    'time of the whole process tree from /proc, per GB moved in both directions; idle RTT is the',
    'median of 30 pings 1 s after the transfers. Both ends and iperf3 share the cores, so only',
    'ratios within one run mean anything.',
  ];
  if (r.client) {
    parts.push(
      '',
      '### Clients of the same wireguard-go 2023 server',
      '',
      clientTable(r.client),
      '',
      'Ratios in this run:',
      ...clientRatios(r.client),
    );
    if (m.syscallSeconds > 0) {
      parts.push(
        '',
        `Syscalls in a separate window (${m.syscallSeconds} s upload, then ${m.syscallSeconds} s download), counted by`,
        "`perf stat` on the syscall tracepoints, filtered to the client's TUN and UDP descriptors;",
        'inner packets are the TCP segments both namespaces sent (OutSegs: MSS-sized, so an',
        'offloaded super-packet counts as the packets it carries). Medians:',
        '',
        syscallTable(r.client),
      );
    }
  }
  if (r.pair) {
    parts.push(
      '',
      '### Pairs: the same implementation at both ends',
      '',
      pairTable(r.pair),
      '',
      'Ratios in this run:',
      ...pairRatios(r.pair),
    );
  }
  return parts.join('\n');
}

/** The README's benchmark table (between `<!-- bench:tunnel -->` markers). */
export function renderReadme(r: TunnelResults, m: ReportMeta): string {
  const parts = [
    `Latest run: \`${m.command}\` on ${m.machine}, ${m.date}; ${rounds(m.rounds)} of ${m.seconds} s per direction, medians`,
    `(wireguard-go 2023 = ${m.wg2023Version}, 2022 = ${m.wg2022Version}; details in [BENCHMARKS.md](BENCHMARKS.md)).`,
  ];
  if (r.client) {
    parts.push('', clientTable(r.client), '', ...clientRatios(r.client));
  }
  if (r.pair) parts.push('', pairTable(r.pair), '', ...pairRatios(r.pair));
  return parts.join('\n');
}
