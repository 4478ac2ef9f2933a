/**
 * Applies a Windows plan through the native boundary, recording each change
 * in a journal (saved after every step, so a crash leaves a record of exactly
 * what to undo) and undoing it in reverse on failure or teardown.
 */
import {
  ERROR_OBJECT_ALREADY_EXISTS,
  win32Code,
  type Family,
  type WinDnsRegistryBackup,
  type WinNetApi,
  type WinRoute,
} from './native.js';
import type { WinPlan, WinStep } from './plan.js';

export type WinJournalEntry =
  | { kind: 'address'; ifindex: number; family: Family; address: string; prefixLength: number }
  | { kind: 'route'; route: WinRoute }
  | { kind: 'dns-api'; ifindex: number }
  | { kind: 'dns-registry'; ifindex: number; family: Family; backup: WinDnsRegistryBackup }
  | { kind: 'nrpt'; name: string }
  | { kind: 'killswitch' };

export interface WinApplyOptions {
  /** Called with the whole journal after every change (persist it). */
  onJournal: (entries: readonly WinJournalEntry[]) => Promise<void>;
  onStep?: (description: string) => void;
}

export interface WinUndoReport {
  undone: string[];
  errors: string[];
  /** Entries that could not be undone, oldest first (kept for the next attempt). */
  remaining: WinJournalEntry[];
}

export class WinApplyError extends Error {
  constructor(
    message: string,
    readonly rollback: WinUndoReport,
  ) {
    super(message);
    this.name = 'WinApplyError';
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function describe(entry: WinJournalEntry): string {
  switch (entry.kind) {
    case 'address':
      return `address ${entry.address}/${entry.prefixLength}`;
    case 'route':
      return `route ${entry.route.dst}/${entry.route.prefixLength} if ${entry.route.ifindex}`;
    case 'dns-api':
      return `DNS of if ${entry.ifindex}`;
    case 'dns-registry':
      return `DNS (registry, IPv${entry.family}) of if ${entry.ifindex}`;
    case 'nrpt':
      return `NRPT rule ${entry.name}`;
    case 'killswitch':
      return 'kill switch (WFP)';
  }
}

async function applyStep(
  api: WinNetApi,
  step: WinStep,
  record: (e: WinJournalEntry) => Promise<void>,
): Promise<void> {
  switch (step.kind) {
    case 'mtu':
      // No undo: the Wintun adapter, and its MTU, go away with the device.
      api.setMtu(step.ifindex, step.family, step.mtu);
      return;
    case 'address':
      api.addAddress(step.ifindex, step.family, step.address, step.prefixLength);
      await record({ ...step });
      return;
    case 'endpoint-route': {
      const best = api.bestRoute(step.family, step.address, step.tunnelIfindex);
      if (!best) throw new Error(`no route to endpoint ${step.address} outside the tunnel`);
      const route: WinRoute = {
        ifindex: best.ifindex,
        family: step.family,
        dst: step.address,
        prefixLength: step.family === 4 ? 32 : 128,
        nextHop: best.nextHop,
        metric: 0,
      };
      try {
        api.addRoute(route);
      } catch (err) {
        // The best route found is already a host route to the endpoint (an administrator's):
        // it keeps the endpoint off the tunnel as ours would, and is not ours to undo.
        if (win32Code(err) === ERROR_OBJECT_ALREADY_EXISTS) return;
        throw err;
      }
      await record({ kind: 'route', route });
      return;
    }
    case 'route':
      api.addRoute(step.route);
      await record({ kind: 'route', route: step.route });
      return;
    case 'dns':
      if (api.setDnsSettings(step.ifindex, step.servers, step.search)) {
        await record({ kind: 'dns-api', ifindex: step.ifindex });
        return;
      }
      for (const family of [4, 6] as const) {
        const servers = step.servers.filter((s) => s.includes(':') === (family === 6));
        if (servers.length === 0) continue;
        const backup = api.setDnsRegistry(step.ifindex, family, servers, step.search);
        await record({ kind: 'dns-registry', ifindex: step.ifindex, family, backup });
      }
      return;
    case 'nrpt':
      // Recorded first: deleting a rule that is not there is harmless, a
      // rule left behind by a crash between the two steps is not.
      await record({ kind: 'nrpt', name: step.name });
      api.addNrptRule(step.name, step.namespace, step.servers);
      return;
    case 'killswitch':
      await record({ kind: 'killswitch' });
      api.installKillSwitch(step.spec);
      return;
  }
}

function undoEntry(api: WinNetApi, e: WinJournalEntry): void {
  switch (e.kind) {
    case 'address':
      api.deleteAddress(e.ifindex, e.family, e.address, e.prefixLength);
      return;
    case 'route':
      api.deleteRoute(e.route);
      return;
    case 'dns-api':
      api.setDnsSettings(e.ifindex, [], []);
      return;
    case 'dns-registry':
      api.restoreDnsRegistry(e.ifindex, e.family, e.backup);
      return;
    case 'nrpt':
      api.deleteNrptRule(e.name);
      return;
    case 'killswitch':
      api.removeKillSwitch();
      return;
  }
}

/**
 * Undoes the journal newest first; failures are reported and stay in `remaining`,
 * as do the entries `keep` selects (a kill switch that must go on blocking).
 */
export async function undoJournal(
  api: WinNetApi,
  entries: readonly WinJournalEntry[],
  onJournal: (entries: readonly WinJournalEntry[]) => Promise<void>,
  keep: (e: WinJournalEntry) => boolean = () => false,
): Promise<WinUndoReport> {
  const report: WinUndoReport = { undone: [], errors: [], remaining: [] };
  const left = [...entries];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (keep(e)) continue;
    try {
      undoEntry(api, e);
      report.undone.push(describe(e));
      left.splice(i, 1);
      await onJournal(left);
    } catch (err) {
      report.errors.push(`${describe(e)}: ${errText(err)}`);
    }
  }
  report.remaining = left;
  return report;
}

export async function applyWinPlan(
  api: WinNetApi,
  plan: WinPlan,
  options: WinApplyOptions,
): Promise<WinJournalEntry[]> {
  const entries: WinJournalEntry[] = [];
  const record = async (e: WinJournalEntry) => {
    entries.push(e);
    await options.onJournal(entries);
  };
  for (const step of plan.steps) {
    options.onStep?.(step.kind);
    try {
      await applyStep(api, step, record);
    } catch (err) {
      const rollback = await undoJournal(api, entries, options.onJournal);
      throw new WinApplyError(`${step.kind}: ${errText(err)}`, rollback);
    }
  }
  return entries;
}
