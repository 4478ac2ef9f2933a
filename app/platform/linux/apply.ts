/**
 * Carries out a NetworkPlan through the native addon and keeps a journal of
 * every change that outlives the TUN device (routes, rules, sysctls, DNS), so
 * the change can be undone exactly: after a failed step (rollback), on
 * disconnect (teardown) or by the next start after a crash (state.ts).
 *
 * MTU, addresses and the link state are not journaled: they belong to the
 * TUN device, which the kernel deletes with everything on it when the tunnel
 * closes it (or when the process dies).
 */
import { parseIp } from '../../config/ip.js';
import type { NativeAddon, RouteSpec, RuleSpec } from '../../native/types.js';
import { applyDns, revertDns, type DnsOptions, type DnsRecord } from './dns.js';
import { applyKillSwitch, removeKillSwitch } from './kill-switch.js';
import type { KillSwitchRules } from './kill-switch-rules.js';
import {
  describeRule,
  describeStep,
  type KillSwitchStep,
  type NetworkPlan,
  type PlanStep,
  type RouteStep,
  type RuleStep,
} from './plan.js';
import { readSysctl, writeSysctl } from './sysctl.js';

/** One undoable change. Plain JSON: journals are stored in state files. */
export type JournalEntry =
  | RouteStep
  | RuleStep
  | KillSwitchStep
  | { kind: 'sysctl'; key: string; value: string; previous: string }
  | { kind: 'dns'; record: DnsRecord };

export interface Journal {
  ifname: string;
  ifindex: number;
  entries: JournalEntry[];
}

/** How the kill switch's table is loaded and deleted; tests replace the real `nft`. */
export interface Firewall {
  apply(rules: KillSwitchRules): Promise<void>;
  /** Rejects with code ENOENT when there is nothing to remove. */
  remove(): Promise<void>;
}

export const nftFirewall: Firewall = { apply: applyKillSwitch, remove: removeKillSwitch };

export interface ApplyOptions {
  dns?: DnsOptions;
  firewall?: Firewall;
  /** Root of the sysctl tree; tests point it elsewhere. Default /proc/sys. */
  sysctlRoot?: string;
  /**
   * Receives the journal before each change (with the entry about to be
   * applied: write-ahead, so a crash mid-step still leaves its undo record)
   * and after each change. The state file is written from here.
   */
  onJournal?: (entries: readonly JournalEntry[]) => Promise<void> | void;
  /** Progress, e.g. for debug logging. */
  onStep?: (description: string) => void;
}

export interface TeardownOptions {
  dns?: Pick<DnsOptions, 'timeoutMs'>;
  sysctlRoot?: string;
  firewall?: Firewall;
  /**
   * Entries to leave in place (and in the journal): recovery after a crash
   * keeps the kill switch, which only an explicit stop or `down` lifts.
   */
  keep?: (entry: JournalEntry) => boolean;
  onJournal?: (entries: readonly JournalEntry[]) => Promise<void> | void;
}

export interface TeardownReport {
  /** Descriptions of the changes undone. */
  undone: string[];
  /** Undo steps that failed ("deleting rule ...: Operation not permitted"). */
  errors: string[];
  /** Changes deliberately left alone (e.g. a resolv.conf another program rewrote). */
  notes: string[];
  /** Entries whose undo failed; the caller keeps them for a later retry. */
  remaining: JournalEntry[];
}

/** A failed apply: names the step, and carries what its rollback did. */
export class ApplyError extends Error {
  readonly step: string;
  readonly code: string | undefined;
  readonly rollback: TeardownReport;
  constructor(step: string, reason: string, code: string | undefined, rollback: TeardownReport) {
    const left =
      rollback.errors.length > 0 ? ` (rollback incomplete: ${rollback.errors.join('; ')})` : '';
    super(`${step}: ${reason}${left}`);
    this.name = 'ApplyError';
    this.step = step;
    this.code = code;
    this.rollback = rollback;
  }
}

// Gone already: routes vanish with their device, a crashed run may have
// stopped before the change, or a teardown runs twice.
const ALREADY_GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The addon reports "<operation>: <strerror>"; the step description replaces the operation. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return errorCode(err) ? message.replace(/^[A-Za-z]+: /, '') : message;
}

function ipBytes(text: string): Uint8Array {
  const ip = parseIp(text);
  if (!ip) throw new Error(`"${text}" is not an IP address`);
  return ip.bytes;
}

function routeSpec(step: RouteStep): RouteSpec {
  return {
    ifindex: step.ifindex,
    dst: ipBytes(step.dst),
    prefixLength: step.prefixLength,
    ...(step.table !== undefined ? { table: step.table } : {}),
  };
}

function ruleSpec(step: RuleStep): RuleSpec {
  return {
    family: step.family,
    table: step.table,
    ...(step.fwmark !== undefined ? { fwmark: step.fwmark } : {}),
    ...(step.invert ? { invert: true } : {}),
    ...(step.suppressPrefixLength !== undefined
      ? { suppressPrefixLength: step.suppressPrefixLength }
      : {}),
  };
}

export function describeUndo(entry: JournalEntry): string {
  switch (entry.kind) {
    case 'route':
      return `deleting route ${entry.dst}/${entry.prefixLength}${entry.table === undefined ? '' : ` table ${entry.table}`}`;
    case 'rule':
      return `deleting rule ${describeRule(entry)}`;
    case 'sysctl':
      return `restoring ${entry.key}=${entry.previous}`;
    case 'dns':
      return `restoring DNS (${entry.record.method})`;
    case 'kill-switch':
      return 'turning the kill switch off';
  }
}

/**
 * Applies every step in order. On failure the changes made so far are
 * undone in reverse and an ApplyError naming the step is thrown.
 */
export async function applyPlan(
  addon: NativeAddon,
  plan: NetworkPlan,
  options: ApplyOptions = {},
): Promise<Journal> {
  const entries: JournalEntry[] = [];
  const save = async () => options.onJournal?.([...entries]);

  for (const step of plan.steps) {
    const description = describeStep(step);
    options.onStep?.(description);
    try {
      await applyStep(addon, step, entries, save, options);
    } catch (err) {
      const rollback = await teardown(
        addon,
        { ifname: plan.ifname, ifindex: plan.ifindex, entries },
        {
          dns: options.dns,
          sysctlRoot: options.sysctlRoot,
          firewall: options.firewall,
          onJournal: options.onJournal,
        },
      );
      throw new ApplyError(description, reasonOf(err), errorCode(err), rollback);
    }
  }
  return { ifname: plan.ifname, ifindex: plan.ifindex, entries };
}

async function applyStep(
  addon: NativeAddon,
  step: PlanStep,
  entries: JournalEntry[],
  save: () => Promise<void>,
  options: ApplyOptions,
): Promise<void> {
  // Write-ahead for netlink changes; the entry is dropped again when the
  // change fails, so a rollback never deletes an identical rule or route
  // that someone else had added before us (the usual cause of EEXIST).
  const journaled = async (entry: JournalEntry, change: () => Promise<void> | void) => {
    entries.push(entry);
    try {
      await save();
      await change();
    } catch (err) {
      entries.pop();
      await save().catch(() => {});
      throw err;
    }
    await save();
  };

  switch (step.kind) {
    case 'mtu':
      addon.linkSetMtu(step.ifindex, step.mtu);
      return;
    case 'address':
      addon.addressAdd(step.ifindex, ipBytes(step.address), step.prefixLength);
      return;
    case 'link-up':
      addon.linkSetUp(step.ifindex, true);
      return;
    case 'route':
      await journaled({ ...step }, () => addon.routeAdd(routeSpec(step)));
      return;
    case 'rule':
      await journaled({ ...step }, () => addon.ruleAdd(ruleSpec(step)));
      return;
    case 'kill-switch': {
      const { ifname, socketMark, allowLan, dns } = step;
      await journaled({ ...step, dns: [...dns] }, () =>
        (options.firewall ?? nftFirewall).apply({ ifname, socketMark, allowLan, dns }),
      );
      return;
    }
    case 'sysctl': {
      const previous = await readSysctl(step.key, options.sysctlRoot);
      // Already set: nothing changes, so there is nothing to restore later.
      if (previous === step.value) return;
      await journaled({ kind: 'sysctl', key: step.key, value: step.value, previous }, () =>
        writeSysctl(step.key, step.value, options.sysctlRoot),
      );
      return;
    }
    case 'dns':
      // The entry stays even when applyDns fails midway: its undo is safe to
      // repeat (resolvectl revert, resolvconf -d -f, header-checked restore).
      await applyDns(
        {
          ifname: step.ifname,
          servers: step.servers,
          search: step.search,
          routeAllDomains: step.routeAllDomains,
        },
        options.dns,
        async (record) => {
          entries.push({ kind: 'dns', record });
          await save();
        },
      );
      await save();
      return;
  }
}

async function undoEntry(
  addon: NativeAddon,
  entry: JournalEntry,
  options: TeardownOptions,
): Promise<string | null> {
  switch (entry.kind) {
    case 'route':
      addon.routeDelete(routeSpec(entry));
      return null;
    case 'rule':
      addon.ruleDelete(ruleSpec(entry));
      return null;
    case 'sysctl': {
      const current = await readSysctl(entry.key, options.sysctlRoot);
      if (current !== entry.value) {
        return `${entry.key} was changed to ${current} by someone else; left as it is`;
      }
      await writeSysctl(entry.key, entry.previous, options.sysctlRoot);
      return null;
    }
    case 'dns': {
      const result = await revertDns(entry.record, options.dns);
      return result.reverted ? null : result.reason;
    }
    case 'kill-switch':
      await (options.firewall ?? nftFirewall).remove();
      return null;
  }
}

/**
 * Undoes a journal in reverse. Every entry is attempted even when an earlier
 * one fails; changes that are already gone count as undone.
 */
export async function teardown(
  addon: NativeAddon,
  journal: Journal,
  options: TeardownOptions = {},
): Promise<TeardownReport> {
  const report: TeardownReport = { undone: [], errors: [], notes: [], remaining: [] };
  const pending = [...journal.entries];
  for (let i = pending.length - 1; i >= 0; i--) {
    const entry = pending[i]!;
    if (options.keep?.(entry)) continue;
    const description = describeUndo(entry);
    let failed = false;
    try {
      const note = await undoEntry(addon, entry, options);
      if (note) report.notes.push(note);
      report.undone.push(description);
    } catch (err) {
      if (ALREADY_GONE.has(errorCode(err) ?? '')) {
        report.undone.push(description);
      } else {
        failed = true;
        report.errors.push(`${description}: ${reasonOf(err)}`);
      }
    }
    if (!failed) pending.splice(i, 1);
    // Progress is saved after every undo so a crash mid-teardown repeats
    // only what is left.
    try {
      await options.onJournal?.([...pending]);
    } catch (err) {
      report.errors.push(`saving state: ${reasonOf(err)}`);
    }
  }
  report.remaining = pending;
  return report;
}
