/**
 * Process and namespace identity from /proc, used to tell a state file of a
 * live tunnel from one a crashed run left behind.
 */
import { promises as fs } from 'node:fs';

/**
 * The inode of /proc/self/ns/net identifies the network namespace: state
 * written in another namespace describes rules and routes this process can
 * neither see nor remove, so it is never acted on.
 */
export async function currentNetnsId(): Promise<number> {
  return (await fs.stat('/proc/self/ns/net')).ino;
}

export interface ProcessIdentity {
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTime: string;
  /** One-letter state; 'Z' = zombie (exited, its files closed, not yet reaped). */
  state: string;
}

/** Identity of a running process, or null when there is no such process. */
export async function processIdentity(pid: number): Promise<ProcessIdentity | null> {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain
  // spaces and parentheses: parse from the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (!state || !startTime) return null;
  return { state, startTime };
}

/** The command line of a process, arguments joined by spaces, or null. */
export async function processCommandLine(pid: number): Promise<string | null> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return null;
  }
}
