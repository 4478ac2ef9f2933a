// Packets per syscall, counted the same way for every implementation: `perf stat` on the
// kernel's syscall tracepoints, filtered to the process's own TUN and UDP file descriptors
// (a Node process also reads and writes eventfds and pipes, which must not count), and the
// packets from the client namespace's own TCP counters. Counting in the kernel costs the
// process almost nothing, unlike strace, so batching behaves as it does unobserved.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { spawnManaged } from '../../harness/process.js';

export const TUN_SYSCALLS = ['read', 'readv', 'write', 'writev'] as const;
export const UDP_SYSCALLS = [
  'sendmsg',
  'sendmmsg',
  'sendto',
  'recvmsg',
  'recvmmsg',
  'recvfrom',
] as const;

export interface TunnelFds {
  pid: number;
  tun: number[];
  udp: number[];
}

/** Socket inodes listed in /proc/<pid>/net/udp or udp6 text. */
export function parseUdpInodes(text: string): Set<number> {
  const out = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    const inode = Number(f[9]);
    if (f.length > 9 && Number.isInteger(inode) && inode > 0) out.add(inode);
  }
  return out;
}

/** The TUN and UDP descriptors of one process (UDP as seen in its network namespace). */
export function tunnelFds(pid: number): TunnelFds {
  const udp = new Set<number>();
  for (const f of ['udp', 'udp6']) {
    try {
      for (const i of parseUdpInodes(readFileSync(`/proc/${pid}/net/${f}`, 'utf8'))) udp.add(i);
    } catch {
      // No IPv6 in this kernel: nothing to add.
    }
  }
  const out: TunnelFds = { pid, tun: [], udp: [] };
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue; // closed while we looked
    }
    const sock = /^socket:\[(\d+)\]$/.exec(target);
    if (target === '/dev/net/tun') out.tun.push(Number(name));
    else if (sock && udp.has(Number(sock[1]))) out.udp.push(Number(name));
  }
  return out;
}

/** `fd == 3 || fd == 7`: perf's tracepoint filter syntax. */
export function fdFilter(fds: readonly number[]): string {
  return fds.map((fd) => `fd == ${fd}`).join(' || ');
}

/** The perf arguments counting TUN and UDP syscalls of one process. */
export function perfArgs(fds: TunnelFds): string[] {
  const args = ['stat', '-x', ',', '-p', String(fds.pid)];
  const add = (names: readonly string[], on: number[]) => {
    if (on.length === 0) return;
    for (const n of names) args.push('-e', `syscalls:sys_enter_${n}`, '--filter', fdFilter(on));
  };
  add(TUN_SYSCALLS, fds.tun);
  add(UDP_SYSCALLS, fds.udp);
  return args;
}

/** Counts per syscall name from `perf stat -x ,` output; NaN for "<not counted>". */
export function parsePerfStatCsv(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(',');
    const m = /^syscalls:sys_enter_(\w+)$/.exec(f[2] ?? '');
    if (!m) continue;
    const n = /^\d+$/.test(f[0] ?? '') ? Number(f[0]) : Number.NaN;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + n);
  }
  return out;
}

/**
 * TCP OutSegs from /proc/net/snmp text (the "Tcp:" header/value pair). OutSegs counts
 * MSS-sized segments even when TSO sends them as one buffer; InSegs counts buffers after GRO
 * (measured here: 85 k InSegs for 3.1 M segments over a veth), so packets through a tunnel
 * are the OutSegs of the namespaces at both of its ends.
 */
export function parseTcpOutSegments(snmp: string): number {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Tcp:'));
  if (lines.length < 2) throw new Error('no Tcp lines in /proc/net/snmp');
  const keys = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/).map(Number);
  const i = keys.indexOf('OutSegs');
  if (i === -1 || !Number.isFinite(values[i])) throw new Error('no Tcp OutSegs in /proc/net/snmp');
  return values[i]!;
}

export interface SyscallCounts {
  /** Inner packets through the tunnel: TCP segments sent by the namespaces at both ends. */
  packets: number;
  tunSyscalls: number;
  udpSyscalls: number;
}

export function perSyscall(c: SyscallCounts): { tun: number; udp: number } {
  return {
    tun: c.tunSyscalls > 0 ? c.packets / c.tunSyscalls : Number.NaN,
    udp: c.udpSyscalls > 0 ? c.packets / c.udpSyscalls : Number.NaN,
  };
}

/**
 * Counts the TUN and UDP syscalls of the processes `pids` (the client's tree) while `load`
 * runs; `packets()` reads the running total of packets through the tunnel.
 */
export async function countSyscalls(
  pids: readonly number[],
  packets: () => Promise<number>,
  load: () => Promise<void>,
): Promise<SyscallCounts> {
  const targets = pids.map(tunnelFds).filter((f) => f.tun.length + f.udp.length > 0);
  if (targets.length === 0) throw new Error('the client has no TUN or UDP descriptor to count');
  const before = await packets();
  const perfs = targets.map((t) =>
    spawnManaged('perf', perfArgs(t), { label: `perf stat of ${t.pid}` }),
  );
  try {
    // perf prints nothing when attached; the tunnel idles until the load starts, so a
    // generous pause costs only idle time that the counts do not see anyway.
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of perfs) {
      if (!p.isRunning()) throw new Error(`perf ${p.describeExit()}: ${p.output().slice(-1000)}`);
    }
    await load();
  } finally {
    for (const p of perfs) if (p.isRunning()) p.child.kill('SIGINT');
    await Promise.all(perfs.map((p) => p.exited));
  }
  const moved = (await packets()) - before;
  let tunSyscalls = 0;
  let udpSyscalls = 0;
  for (const p of perfs) {
    const counts = parsePerfStatCsv(p.stderr());
    if (counts.size === 0) throw new Error(`perf counted nothing: ${p.output().slice(-1000)}`);
    for (const n of TUN_SYSCALLS) tunSyscalls += counts.get(n) ?? 0;
    for (const n of UDP_SYSCALLS) udpSyscalls += counts.get(n) ?? 0;
  }
  return { packets: moved, tunSyscalls, udpSyscalls };
}
