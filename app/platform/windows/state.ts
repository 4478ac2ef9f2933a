/**
 * Windows journal files: one per tunnel interface, rewritten (atomically)
 * after every change, so the next start undoes what a crashed run left:
 * routes, addresses, DNS, the NRPT rule and the kill switch (WFP filters are
 * persistent on purpose: a crashed tunnel keeps failing closed until then).
 * They live in %ProgramData%\Slipstream\state, which the installer creates
 * with an ACL only SYSTEM and Administrators can write, and hold no secrets.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-file-atomic.js';
import { undoJournal, type WinJournalEntry } from './apply.js';
import type { WinNetApi } from './native.js';

export const WIN_STATE_VERSION = 1;

export interface WinTunnelState {
  version: typeof WIN_STATE_VERSION;
  pid: number;
  ifname: string;
  ifindex: number;
  createdAt: string;
  journal: WinJournalEntry[];
}

export function defaultWinStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLIPSTREAM_STATE_DIR) return env.SLIPSTREAM_STATE_DIR;
  return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'Slipstream', 'state');
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function winStateFile(dir: string, ifname: string): string {
  if (!NAME.test(ifname)) throw new Error(`unusable interface name for a state file: ${ifname}`);
  return path.join(dir, `${ifname}.json`);
}

export async function writeWinState(dir: string, state: WinTunnelState): Promise<void> {
  const file = winStateFile(dir, state.ifname);
  try {
    await fs.mkdir(dir, { recursive: true });
    await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new Error(
      `cannot write state file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isFam = (v: unknown) => v === 4 || v === 6;

function isEntry(v: unknown): v is WinJournalEntry {
  if (!isObj(v)) return false;
  switch (v.kind) {
    case 'address':
      return isInt(v.ifindex) && isFam(v.family) && isStr(v.address) && isInt(v.prefixLength);
    case 'route': {
      const r = v.route;
      return (
        isObj(r) &&
        isInt(r.ifindex) &&
        isFam(r.family) &&
        isStr(r.dst) &&
        isInt(r.prefixLength) &&
        isInt(r.metric) &&
        (r.nextHop === undefined || isStr(r.nextHop))
      );
    }
    case 'dns-api':
      return isInt(v.ifindex);
    case 'dns-registry':
      return (
        isInt(v.ifindex) &&
        isFam(v.family) &&
        isObj(v.backup) &&
        isStr(v.backup.nameServer) &&
        isStr(v.backup.searchList)
      );
    case 'nrpt':
      return isStr(v.name);
    case 'killswitch':
      return true;
    default:
      return false;
  }
}

/** Parses a state file's text; a short Error when it is not one. */
export function parseWinState(text: string): WinTunnelState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  if (!isObj(v) || v.version !== WIN_STATE_VERSION) throw new Error('not a version 1 state');
  if (
    !isInt(v.pid) ||
    !isStr(v.ifname) ||
    !isInt(v.ifindex) ||
    !isStr(v.createdAt) ||
    !Array.isArray(v.journal)
  ) {
    throw new Error('missing or malformed fields');
  }
  const bad = v.journal.findIndex((e) => !isEntry(e));
  if (bad !== -1) throw new Error(`malformed journal entry ${bad}`);
  return v as unknown as WinTunnelState;
}

/** Whether a pid is alive; our own pid counts as alive (the current run's file). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  // 0: a journal handed over by a run that stopped but kept its kill switch (index.ts).
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface WinRecovered {
  ifname: string;
  pid: number;
  stateFile: string;
  undone: string[];
  errors: string[];
  /** Left blocking on purpose (keepKillSwitch). */
  kept: string[];
}

export const isKillSwitch = (e: WinJournalEntry) => e.kind === 'killswitch';

/**
 * Undoes the journals of dead runs (all, or one interface's) and removes
 * their files; a journal that could not be fully undone keeps what is left.
 * With `keepKillSwitch` a dead run's WFP filters stay blocking, and their
 * record stays for whoever lifts them (a crash is not a disconnect).
 */
export async function recoverWinStale(
  api: WinNetApi,
  dir: string,
  ifname?: string,
  isAlive: (pid: number) => boolean = pidAlive,
  keepKillSwitch = false,
): Promise<WinRecovered[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(
      `cannot read state dir ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const out: WinRecovered[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let state: WinTunnelState;
    try {
      state = parseWinState(await fs.readFile(file, 'utf8'));
    } catch (err) {
      await fs.rename(file, `${file}.corrupt`).catch(() => {});
      out.push({
        ifname: name,
        pid: 0,
        stateFile: file,
        undone: [],
        errors: [`unusable state file (${(err as Error).message}); renamed to .corrupt`],
        kept: [],
      });
      continue;
    }
    if (ifname !== undefined && state.ifname !== ifname) continue;
    if (isAlive(state.pid)) continue;
    const keep = keepKillSwitch ? isKillSwitch : () => false;
    const report = await undoJournal(
      api,
      state.journal,
      (left) => writeWinState(dir, { ...state, journal: [...left] }),
      keep,
    );
    if (report.remaining.length === 0) await fs.unlink(file).catch(() => {});
    out.push({
      ifname: state.ifname,
      pid: state.pid,
      stateFile: file,
      undone: report.undone,
      errors: report.errors,
      kept: report.remaining.filter(keep).map(() => 'kill switch kept blocking'),
    });
  }
  return out;
}
