// CPU time and peak memory of a process tree, read from /proc: what a tunnel costs, not how
// fast the shared machine happened to be. The whole tree counts, so a client that moves work
// into helper processes cannot hide it.
import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime (waited-for children included), in seconds. */
  cpuSeconds: number;
}

/** Parses /proc/<pid>/stat. The command name may contain spaces and parentheses. */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  if (close === -1) throw new Error('malformed /proc stat line');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the name, counted from field 3 (state): ppid is 4, utime..cstime are 14..17.
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0);
  const ppid = Number(f[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(ticks)) {
    throw new Error('malformed /proc stat line');
  }
  return { pid, ppid, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/** The root and all its descendants, given every process's parent. */
export function treeOf(root: number, procs: readonly { pid: number; ppid: number }[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // exited while we looked
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map((n) => readStat(Number(n)))
    .filter((s): s is ProcStat => s !== null);
}

/** Pids of the live process tree under `root` (root first). */
export function processTree(root: number): number[] {
  return treeOf(root, allProcesses());
}

/** CPU seconds used so far by the tree under `root` (threads and reaped children included). */
export function treeCpuSeconds(root: number): number {
  const procs = allProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  if (!byPid.has(root)) throw new Error(`process ${root} is gone`);
  return treeOf(root, procs).reduce((sum, pid) => sum + (byPid.get(pid)?.cpuSeconds ?? 0), 0);
}

/** VmHWM in MB from /proc/<pid>/status text. */
export function parseVmHwmMb(status: string): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error('no VmHWM in /proc status');
  return Number(m[1]) / 1024;
}

/**
 * Peak resident memory of the tree in MB: the sum of each process's own peak (an upper
 * bound when several processes peak at different times; exact for one process).
 */
export function treePeakRssMb(root: number): number {
  return processTree(root).reduce((sum, pid) => {
    try {
      return sum + parseVmHwmMb(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return sum;
    }
  }, 0);
}
