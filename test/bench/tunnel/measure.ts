// One sample: throughput both ways, the CPU the measured ends spent per GB moved, idle RTT
// after the load, peak RSS, and optionally a separate syscall-counting window (so the
// counting cannot touch the throughput figures).
import type { Namespace } from '../../harness/netns.js';
import { iperf3, ping, waitForPing } from '../../harness/traffic.js';
import { processTree, treeCpuSeconds, treePeakRssMb } from '../proc-usage.js';
import { median } from '../stats.js';
import { SERVER_ADDR, type Rig, type RunningEnd } from './rig.js';
import { countSyscalls, parseTcpOutSegments, type SyscallCounts } from './syscalls.js';

export interface Sample {
  upMbps: number;
  downMbps: number;
  /** CPU seconds of the measured process trees per GB through the tunnel (both directions). */
  cpuSecondsPerGB: number;
  /** Median of idle pings 1 s after the transfers. */
  rttMs: number;
  /** Sum of the measured trees' peak RSS. */
  peakRssMb: number;
  syscalls: SyscallCounts | null;
}

export interface MeasureOptions {
  seconds: number;
  /** 0: no syscall window. */
  syscallSeconds: number;
}

/** iperf3's control connection can stall on a loaded shared machine: one retry. */
async function retryOnce<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.log(`retrying after: ${e instanceof Error ? e.message : String(e)}`);
    return fn();
  }
}

/**
 * Measures the running tunnel from rig.clientNs to rig.serverNs. `measured` are the ends
 * whose CPU and memory count (the client alone, or both ends of a pair); syscalls are
 * counted on `client`.
 */
export async function measureSample(
  rig: Rig,
  client: RunningEnd,
  measured: readonly RunningEnd[],
  o: MeasureOptions,
): Promise<Sample> {
  await waitForPing(rig.clientNs, SERVER_ADDR, { timeoutMs: 15_000 });
  const transfer = (seconds: number, reverse: boolean) =>
    retryOnce(() =>
      iperf3({
        serverNs: rig.serverNs,
        clientNs: rig.clientNs,
        serverAddr: SERVER_ADDR,
        seconds,
        reverse,
      }),
    );
  const cpu = () => measured.reduce((sum, e) => sum + treeCpuSeconds(e.pid), 0);
  const cpu0 = cpu();
  const up = await transfer(o.seconds, false);
  const down = await transfer(o.seconds, true);
  const cpuUsed = cpu() - cpu0;
  const gb = ((up.receivedMbps + down.receivedMbps) * o.seconds) / 8 / 1000;

  await new Promise((r) => setTimeout(r, 1000));
  const idle = await ping(rig.clientNs, SERVER_ADDR, { count: 30, intervalSec: 0.05 });
  if (idle.received === 0) throw new Error(`${client.impl}: idle ping failed`);

  let syscalls: SyscallCounts | null = null;
  if (o.syscallSeconds > 0) {
    const outSegs = async (ns: Namespace) =>
      parseTcpOutSegments((await ns.exec('cat', ['/proc/net/snmp'])).stdout);
    const packets = async () => (await outSegs(rig.clientNs)) + (await outSegs(rig.serverNs));
    syscalls = await countSyscalls(processTree(client.pid), packets, async () => {
      await transfer(o.syscallSeconds, false);
      await transfer(o.syscallSeconds, true);
    });
  }
  return {
    upMbps: up.receivedMbps,
    downMbps: down.receivedMbps,
    cpuSecondsPerGB: gb > 0 ? cpuUsed / gb : Number.NaN,
    rttMs: median(idle.replyRttsMs),
    peakRssMb: measured.reduce((sum, e) => sum + treePeakRssMb(e.pid), 0),
    syscalls,
  };
}
