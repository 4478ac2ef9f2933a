/**
 * Per-tunnel state files: what a running tunnel changed in the system, kept
 * up to date after every change, so the next start can undo the changes of a
 * run that died without cleaning up (SIGKILL, power loss of the process, a
 * crash in native code).
 *
 * Files live in /run/slipstream (a tmpfs: a reboot forgets them together with
 * the kernel state they describe; the directory is 0755, shared with the
 * helper's socket directories), are written atomically and readable by
 * root only, and hold no secrets: only routes, rules, sysctl values and DNS
 * settings.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { NativeAddon } from '../../native/types.js';
import { teardown, type JournalEntry, type TeardownOptions } from './apply.js';
import type { DnsRecord } from './dns.js';
import { currentNetnsId, processCommandLine, processIdentity } from './proc.js';
import { ensureOwnedDir, RUNTIME_DIR_MODE } from '../../util/owned-dir.js';
import { writeFileAtomic } from '../../util/write-file-atomic.js';

export const DEFAULT_STATE_DIR = '/run/slipstream';
export const STATE_VERSION = 1;

export interface TunnelState {
  version: typeof STATE_VERSION;
  pid: number;
  /** Start time of `pid` (from /proc), telling a live owner from a reused pid; null if unknown. */
  pidStartTime: string | null;
  ifname: string;
  ifindex: number;
  /** Inode of the owner's /proc/self/ns/net. */
  netns: number;
  createdAt: string;
  journal: JournalEntry[];
}

export function defaultStateDir(): string {
  return process.env.SLIPSTREAM_STATE_DIR || DEFAULT_STATE_DIR;
}

/**
 * The file of one interface in one namespace. The namespace is part of the
 * name because two namespaces can each have a "wg0" at the same time.
 */
export function stateFileName(ifname: string, netns: number): string {
  return `${ifname}.${netns}.json`;
}

const STATE_FILE = /^(.+)\.(\d+)\.json$/;

function parseStateFileName(name: string): { ifname: string; netns: number } | null {
  const m = STATE_FILE.exec(name);
  return m ? { ifname: m[1]!, netns: Number(m[2]) } : null;
}

export class StateStore {
  readonly dir: string;

  constructor(dir: string = defaultStateDir()) {
    this.dir = dir;
  }

  fileFor(ifname: string, netns: number): string {
    return path.join(this.dir, stateFileName(ifname, netns));
  }

  /** Atomic: readers (and a crash) see the old file or the new one, never a torn one. */
  async write(state: TunnelState): Promise<void> {
    const file = this.fileFor(state.ifname, state.netns);
    try {
      await ensureOwnedDir(this.dir, RUNTIME_DIR_MODE);
      await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    } catch (err) {
      throw new Error(
        `cannot write state file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }

  async remove(ifname: string, netns: number): Promise<void> {
    try {
      await fs.unlink(this.fileFor(ifname, netns));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(
          `cannot remove state file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
  }

  /** State files of one namespace (all interfaces, or one). */
  async list(netns: number, ifname?: string): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(
        `cannot read state dir ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    return names
      .filter((name) => {
        const parsed = parseStateFileName(name);
        return parsed !== null && parsed.netns === netns && (!ifname || parsed.ifname === ifname);
      })
      .sort()
      .map((name) => path.join(this.dir, name));
  }
}

// ---- validation: a state file is input like any other and may be damaged ----

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isFamily = (v: unknown): v is 4 | 6 => v === 4 || v === 6;
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);

function isDnsRecord(v: unknown): v is DnsRecord {
  if (!isObject(v) || !isString(v.ifname)) return false;
  switch (v.method) {
    case 'resolved':
      return true;
    case 'resolvconf':
      return isString(v.entry);
    case 'file':
      return isString(v.path) && (v.previous === null || isString(v.previous));
    default:
      return false;
  }
}

function isJournalEntry(v: unknown): v is JournalEntry {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'route':
      return (
        isInt(v.ifindex) &&
        isFamily(v.family) &&
        isString(v.dst) &&
        isInt(v.prefixLength) &&
        optional(v.table, isInt)
      );
    case 'rule':
      return (
        isFamily(v.family) &&
        isInt(v.table) &&
        optional(v.fwmark, isInt) &&
        optional(v.invert, (x) => typeof x === 'boolean') &&
        optional(v.suppressPrefixLength, isInt)
      );
    case 'sysctl':
      return isString(v.key) && isString(v.value) && isString(v.previous);
    case 'dns':
      return isDnsRecord(v.record);
    case 'kill-switch':
      return (
        isString(v.ifname) &&
        isInt(v.socketMark) &&
        typeof v.allowLan === 'boolean' &&
        Array.isArray(v.dns) &&
        v.dns.every(isString)
      );
    default:
      return false;
  }
}

/** Parses and checks a state file's text; throws a short Error when it is not one. */
export function parseState(text: string): TunnelState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  if (!isObject(v)) throw new Error('not a state object');
  if (v.version !== STATE_VERSION) throw new Error(`unsupported version ${String(v.version)}`);
  const ok =
    isInt(v.pid) &&
    (v.pidStartTime === null || isString(v.pidStartTime)) &&
    isString(v.ifname) &&
    isInt(v.ifindex) &&
    isInt(v.netns) &&
    isString(v.createdAt) &&
    Array.isArray(v.journal);
  if (!ok) throw new Error('missing or malformed fields');
  const bad = (v.journal as unknown[]).findIndex((e) => !isJournalEntry(e));
  if (bad !== -1) throw new Error(`malformed journal entry ${bad}`);
  return v as unknown as TunnelState;
}

export async function readState(file: string): Promise<TunnelState> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseState(text);
}

// ---- stale detection and recovery ----

/**
 * Whether the process that wrote the state still runs. The pid alone is not
 * enough (pids are reused), so the recorded start time must match too; for a
 * state without one, the command line must at least name slipstream.
 */
export async function isOwnerRunning(state: TunnelState): Promise<boolean> {
  const identity = await processIdentity(state.pid);
  if (!identity || identity.state === 'Z') return false;
  // Compared even for our own pid: a restarted container often gives the new
  // run the very pid of the one that crashed.
  if (state.pidStartTime !== null) return identity.startTime === state.pidStartTime;
  if (state.pid === process.pid) return true;
  const cmdline = await processCommandLine(state.pid);
  return cmdline !== null && cmdline.toLowerCase().includes('slipstream');
}

export interface RecoveredState {
  ifname: string;
  pid: number;
  stateFile: string;
  /** Changes undone (descriptions). */
  undone: string[];
  /** Whether the interface itself still existed and was deleted. */
  linkDeleted: boolean;
  /** Changes left alone on purpose (e.g. a resolv.conf someone else rewrote). */
  notes: string[];
  /** What could not be undone; the state file is kept for the next attempt. */
  errors: string[];
  /** Kept on purpose (the kill switch of a run that did not stop); the state file stays. */
  kept: string[];
}

export interface RecoverOptions extends Omit<TeardownOptions, 'onJournal' | 'keep'> {
  stateDir?: string;
  /**
   * Leave a dead run's kill switch blocking (and its record in place): a
   * crash is not a disconnect. False (`slipstream down`, an explicit
   * disconnect, a start with the kill switch off) removes it too.
   */
  keepKillSwitch?: boolean;
  /** Replaces the liveness check (tests). */
  isOwnerRunning?: (state: TunnelState) => Promise<boolean>;
}

/**
 * At start-up: undoes what crashed earlier runs in this network namespace
 * left behind (rules, DNS, sysctls, and the interface if it still exists)
 * and deletes their state files. Returns what was cleaned, for the log. With
 * `ifname`, only that interface's state is considered.
 */
export async function recoverStale(
  addon: NativeAddon,
  ifname?: string,
  options: RecoverOptions = {},
): Promise<RecoveredState[]> {
  const store = new StateStore(options.stateDir);
  const netns = await currentNetnsId();
  const ownerRunning = options.isOwnerRunning ?? isOwnerRunning;
  const results: RecoveredState[] = [];

  for (const file of await store.list(netns, ifname)) {
    let state: TunnelState;
    try {
      state = await readState(file);
    } catch (err) {
      // Unusable: set aside (not deleted: it may help a bug report) so it
      // is not reported again at every start.
      const reason = err instanceof Error ? err.message : String(err);
      await fs.rename(file, `${file}.corrupt`).catch(() => {});
      results.push({
        ifname: path.basename(file),
        pid: 0,
        stateFile: file,
        undone: [],
        linkDeleted: false,
        notes: [],
        errors: [`unusable state file (${reason}); renamed to .corrupt`],
        kept: [],
      });
      continue;
    }
    // The file name says which namespace; the contents must agree.
    if (state.netns !== netns) continue;
    if (await ownerRunning(state)) continue;

    const keep = (e: JournalEntry) => options.keepKillSwitch === true && e.kind === 'kill-switch';
    const report = await teardown(
      addon,
      { ifname: state.ifname, ifindex: state.ifindex, entries: state.journal },
      {
        ...(options.dns ? { dns: options.dns } : {}),
        ...(options.sysctlRoot ? { sysctlRoot: options.sysctlRoot } : {}),
        ...(options.firewall ? { firewall: options.firewall } : {}),
        keep,
        onJournal: (entries) => store.write({ ...state, journal: [...entries] }),
      },
    );
    const kept = report.remaining.filter(keep).map(() => 'kill switch kept blocking');

    // The dead owner's TUN vanished with its file descriptor; a link still
    // there is deleted only if it has the recorded index, so an interface
    // someone created later under the same name is left alone.
    let linkDeleted = false;
    try {
      if (addon.linkIndex(state.ifname) === state.ifindex) {
        addon.linkDelete(state.ifname);
        linkDeleted = true;
      }
    } catch (err) {
      report.errors.push(
        `deleting link ${state.ifname}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }

    if (report.errors.length === 0 && kept.length === 0) {
      try {
        await store.remove(state.ifname, state.netns);
      } catch (err) {
        report.errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    results.push({
      ifname: state.ifname,
      pid: state.pid,
      stateFile: file,
      undone: report.undone,
      linkDeleted,
      notes: report.notes,
      errors: report.errors,
      kept,
    });
  }
  return results;
}

/**
 * Once a new run has loaded its own kill switch (the table has one name, so
 * it replaced any earlier one), the records of dead runs' kill switches are
 * dropped: the table is now this run's, journaled in its own state file.
 */
export async function forgetStaleKillSwitches(
  stateDir: string | undefined,
  ownFile: string,
): Promise<void> {
  const store = new StateStore(stateDir);
  const netns = await currentNetnsId();
  for (const file of await store.list(netns)) {
    if (file === ownFile) continue;
    const state = await readState(file).catch(() => null);
    if (!state || state.netns !== netns || (await isOwnerRunning(state))) continue;
    const journal = state.journal.filter((e) => e.kind !== 'kill-switch');
    if (journal.length === state.journal.length) continue;
    if (journal.length === 0) await store.remove(state.ifname, state.netns);
    else await store.write({ ...state, journal });
  }
}
