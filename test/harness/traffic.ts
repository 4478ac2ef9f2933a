// Traffic through the namespaces: ping, a checksummed TCP transfer, and iperf3 throughput.
import { fileURLToPath } from 'node:url';
import type { Namespace } from './netns.js';
import { waitFor } from './wait.js';

export interface PingOptions {
  /** Echo requests to send. Default 3. */
  count?: number;
  /** Seconds to wait for each reply (ping -W). Default 2. */
  timeoutSec?: number;
  /** Seconds between requests (ping -i). Default 0.2. */
  intervalSec?: number;
  /** Payload size in bytes (ping -s). */
  size?: number;
  /** Forbid fragmentation (ping -M do), for path-MTU tests. */
  dontFragment?: boolean;
}

export interface PingResult {
  transmitted: number;
  received: number;
  lossPercent: number;
  /** Round-trip statistics in ms, or null when nothing came back. */
  rttMs: { min: number; avg: number; max: number; mdev: number } | null;
  /** Round-trip time of each reply, in the order they arrived. */
  replyRttsMs: number[];
  /** ping's complaint when it could not even send (e.g. "Network is unreachable"), else null. */
  error: string | null;
}

/** Parses iputils ping output (the summary lines). */
export function parsePingOutput(stdout: string, stderr = ''): PingResult {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  const transmitted = counts ? Number(counts[1]) : 0;
  const received = counts ? Number(counts[2]) : 0;
  return {
    transmitted,
    received,
    lossPercent: transmitted === 0 ? 100 : ((transmitted - received) / transmitted) * 100,
    rttMs: rtt
      ? {
          min: Number(rtt[1]),
          avg: Number(rtt[2]),
          max: Number(rtt[3]),
          mdev: Number(rtt[4]),
        }
      : null,
    replyRttsMs: [...stdout.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1])),
    error: counts ? null : stderr.trim() || stdout.trim() || 'ping printed no statistics',
  };
}

/**
 * Pings `addr` from inside `ns`. Loss is a result, not an error: a blocked or broken path
 * yields received 0 (with `error` set when ping could not send at all).
 */
export async function ping(
  ns: Namespace,
  addr: string,
  opts: PingOptions = {},
): Promise<PingResult> {
  const count = opts.count ?? 3;
  const timeoutSec = opts.timeoutSec ?? 2;
  const intervalSec = opts.intervalSec ?? 0.2;
  if (!Number.isInteger(count) || count < 1)
    throw new Error('ping count must be a positive integer');
  const deadline = Math.ceil(count * intervalSec + timeoutSec);
  const args = [
    addr.includes(':') ? '-6' : '-4',
    '-n',
    '-c',
    String(count),
    '-i',
    String(intervalSec),
    '-W',
    String(timeoutSec),
    '-w',
    String(deadline),
  ];
  if (opts.size !== undefined) args.push('-s', String(opts.size));
  if (opts.dontFragment) args.push('-M', 'do');
  const r = await ns.run('ping', [...args, addr], { timeoutMs: (deadline + 5) * 1000 });
  return parsePingOutput(r.stdout, r.stderr);
}

/** Pings once per attempt until a reply comes back; throws after timeoutMs. */
export async function waitForPing(
  ns: Namespace,
  addr: string,
  opts: { timeoutMs?: number } = {},
): Promise<PingResult> {
  return waitFor(
    async () => {
      const r = await ping(ns, addr, { count: 1, timeoutSec: 1 });
      return r.received > 0 ? r : null;
    },
    {
      timeoutMs: opts.timeoutMs ?? 20_000,
      intervalMs: 0,
      what: `ping reply from ${addr} in ${ns.name}`,
    },
  );
}

const TCP_PEER_SCRIPT = fileURLToPath(new URL('./tcp-peer.js', import.meta.url));

export interface TcpTransferOptions {
  fromNs: Namespace;
  toNs: Namespace;
  /** Address the receiver binds to and the sender connects to. */
  toAddr: string;
  bytes: number;
  /** Receiver port; default 0 (any free port). */
  port?: number;
  /** Whole-transfer limit. Default 60 s. */
  timeoutMs?: number;
}

export interface TcpTransferResult {
  /** Bytes that arrived. */
  bytes: number;
  sentBytes: number;
  /** True when every byte arrived and the SHA-256 of what arrived equals what was sent. */
  sha256Match: boolean;
  /** Receiver-side duration from accept to end of stream. */
  seconds: number;
  /** Goodput in Mbit/s. */
  mbps: number;
}

interface PeerReport {
  bytes: number;
  sha256: string;
  seconds?: number;
}

function lastJsonLine(text: string, who: string): PeerReport {
  const line = text.trim().split('\n').pop() ?? '';
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`${who} printed no result`);
  }
  const o = v as Partial<PeerReport>;
  if (typeof o.bytes !== 'number' || typeof o.sha256 !== 'string') {
    throw new Error(`${who} printed an unexpected result`);
  }
  return { bytes: o.bytes, sha256: o.sha256, seconds: o.seconds };
}

/** Sends `bytes` random bytes over TCP from one namespace to another and checks them. */
export async function tcpTransfer(opts: TcpTransferOptions): Promise<TcpTransferResult> {
  if (!Number.isSafeInteger(opts.bytes) || opts.bytes < 0) {
    throw new Error('bytes must be a non-negative integer');
  }
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const receiver = opts.toNs.spawn(
    process.execPath,
    [TCP_PEER_SCRIPT, 'recv', opts.toAddr, String(opts.port ?? 0)],
    { label: `tcp receiver in ${opts.toNs.name}` },
  );
  try {
    const listening = await receiver.waitForOutput(/LISTENING (\d+)/, { timeoutMs: 10_000 });
    const port = listening[1] ?? '';
    const sender = await opts.fromNs.run(
      process.execPath,
      [TCP_PEER_SCRIPT, 'send', opts.toAddr, port, String(opts.bytes)],
      { timeoutMs },
    );
    if (sender.timedOut) {
      throw new Error(`TCP transfer to ${opts.toAddr} timed out after ${timeoutMs} ms`);
    }
    if (sender.code !== 0) {
      throw new Error(`TCP sender failed: ${sender.stderr.trim() || `exit ${sender.code}`}`);
    }
    const sent = lastJsonLine(sender.stdout, 'TCP sender');
    await receiver.waitForOutput(/"sha256"/, { timeoutMs: 10_000, stream: 'stdout' });
    const got = lastJsonLine(receiver.stdout(), 'TCP receiver');
    const seconds = got.seconds ?? 0;
    return {
      bytes: got.bytes,
      sentBytes: sent.bytes,
      sha256Match:
        got.bytes === opts.bytes && sent.bytes === opts.bytes && got.sha256 === sent.sha256,
      seconds,
      mbps: seconds > 0 ? (got.bytes * 8) / seconds / 1e6 : 0,
    };
  } finally {
    await receiver.stop({ graceMs: 1000 });
  }
}

export interface Iperf3Options {
  serverNs: Namespace;
  clientNs: Namespace;
  /** Address of the server as the client reaches it. */
  serverAddr: string;
  /** Test length. Default 2 s. */
  seconds?: number;
  /** Default 5201. */
  port?: number;
  /** Server sends, client receives (iperf3 -R). */
  reverse?: boolean;
  /** Parallel streams (-P). Default 1. */
  parallel?: number;
  /** UDP at this target bitrate (e.g. "500M") instead of TCP. */
  udpBitrate?: string;
}

export interface Iperf3Result {
  sentMbps: number;
  receivedMbps: number;
  /** TCP only. */
  retransmits: number | null;
  /** UDP only. */
  lostPercent: number | null;
  /** UDP only. */
  jitterMs: number | null;
}

function numberAt(obj: unknown, ...path: string[]): number | null {
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return null;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' ? cur : null;
}

/** Parses `iperf3 -J` client output. Throws iperf3's own error message if it reports one. */
export function parseIperf3Json(text: string): Iperf3Result {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('iperf3 did not print JSON');
  }
  const error = (json as { error?: unknown }).error;
  if (typeof error === 'string') throw new Error(`iperf3: ${error}`);
  const tcpSent = numberAt(json, 'end', 'sum_sent', 'bits_per_second');
  const tcpReceived = numberAt(json, 'end', 'sum_received', 'bits_per_second');
  const udp = numberAt(json, 'end', 'sum', 'bits_per_second');
  const lost = numberAt(json, 'end', 'sum', 'lost_percent');
  if (lost !== null && udp !== null) {
    return {
      sentMbps: udp / 1e6,
      receivedMbps: (udp * (100 - lost)) / 100 / 1e6,
      retransmits: null,
      lostPercent: lost,
      jitterMs: numberAt(json, 'end', 'sum', 'jitter_ms'),
    };
  }
  if (tcpSent === null || tcpReceived === null) throw new Error('iperf3 JSON has no end summary');
  return {
    sentMbps: tcpSent / 1e6,
    receivedMbps: tcpReceived / 1e6,
    retransmits: numberAt(json, 'end', 'sum_sent', 'retransmits'),
    lostPercent: null,
    jitterMs: null,
  };
}

/** Runs one iperf3 test between two namespaces (server started and stopped here). */
export async function iperf3(opts: Iperf3Options): Promise<Iperf3Result> {
  const seconds = opts.seconds ?? 2;
  const port = String(opts.port ?? 5201);
  const server = opts.serverNs.spawn('iperf3', ['-s', '-1', '-p', port], {
    label: `iperf3 server in ${opts.serverNs.name}`,
  });
  try {
    // iperf3 block-buffers its banner when stdout is a pipe, so watch for the socket instead.
    const listening = await waitFor(
      async () => {
        if (!server.isRunning()) return 'exited';
        const ss = await opts.serverNs.run('ss', ['-Hltn', `sport = :${port}`]);
        return ss.stdout.trim() !== '' ? 'listening' : null;
      },
      { timeoutMs: 10_000, intervalMs: 25, what: `iperf3 server on port ${port}` },
    );
    if (listening === 'exited') {
      throw new Error(`iperf3 server ${server.describeExit()}: ${server.output().slice(-1000)}`);
    }
    const args = ['-c', opts.serverAddr, '-p', port, '-t', String(seconds), '-J'];
    if (opts.reverse) args.push('-R');
    if (opts.parallel !== undefined) args.push('-P', String(opts.parallel));
    if (opts.udpBitrate !== undefined) args.push('-u', '-b', opts.udpBitrate);
    const r = await opts.clientNs.run('iperf3', args, { timeoutMs: (seconds + 20) * 1000 });
    if (r.timedOut) throw new Error(`iperf3 to ${opts.serverAddr} timed out`);
    return parseIperf3Json(r.stdout);
  } finally {
    await server.stop({ graceMs: 1000 });
  }
}
