/**
 * Linux system configuration for a tunnel, as `wg-quick up`/`down` does it:
 * plan the changes, apply them while recording each one in a state file, and
 * undo them on teardown (or at the next start after a crash).
 */
import type { NativeAddon } from '../../native/types.js';
import type {
  ConfigureOptions,
  ConfiguredTunnel,
  Platform,
  StaleCleanup,
  TeardownSummary,
  TunIdentity,
  TunnelConfigView,
} from '../types.js';
import {
  ApplyError,
  applyPlan,
  teardown,
  type Firewall,
  type Journal,
  type JournalEntry,
} from './apply.js';
import type { DnsOptions } from './dns.js';
import { planNetwork } from './plan.js';
import { killSwitchActive } from './kill-switch.js';
import { currentNetnsId, processIdentity } from './proc.js';
import {
  forgetStaleKillSwitches,
  isOwnerRunning,
  readState,
  recoverStale as recoverStaleStates,
  StateStore,
  type TunnelState,
} from './state.js';
import { routingTablesInUse } from './tables.js';

export interface LinuxConfigureOptions extends ConfigureOptions {
  /** DNS method detection and resolv.conf path (tests); defaults to the real system. */
  dns?: DnsOptions;
  /** Root of the sysctl tree; default /proc/sys. */
  sysctlRoot?: string;
  /** Replaces the `ip route show table all` check for a free policy table. */
  tableInUse?: (table: number) => boolean;
  /** Replaces `nft` for the kill switch (tests). */
  firewall?: Firewall;
}

export interface LinuxRecoverOptions {
  stateDir?: string;
  keepKillSwitch?: boolean;
  firewall?: Firewall;
  dns?: Pick<DnsOptions, 'timeoutMs'>;
  sysctlRoot?: string;
}

export interface LinuxConfiguredTunnel extends ConfiguredTunnel {
  /** Policy-routing table of a full tunnel, or null. */
  readonly table: number | null;
  /** The state file recording this tunnel's changes. */
  readonly stateFile: string;
}

export async function configureTunnel(
  addon: NativeAddon,
  tun: TunIdentity,
  config: TunnelConfigView,
  options: LinuxConfigureOptions,
): Promise<LinuxConfiguredTunnel> {
  const log = options.log;
  let tableInUse = options.tableInUse;
  const fullTunnel = config.peers.some((p) => p.allowedIps.some((c) => c.prefixLength === 0));
  if (!tableInUse && fullTunnel && !config.interface.fwmark) {
    const used = await routingTablesInUse();
    tableInUse = (table) => used.has(table);
  }

  const plan = planNetwork({
    ifname: tun.name,
    ifindex: tun.ifindex,
    mtu: options.mtu,
    addresses: config.interface.addresses,
    peers: config.peers,
    ...(config.interface.fwmark ? { fwmark: config.interface.fwmark } : {}),
    dns: config.interface.dns,
    dnsSearch: config.interface.dnsSearch,
    ...(tableInUse ? { tableInUse } : {}),
    ...(options.killSwitch ? { killSwitch: { allowLan: options.killSwitch.allowLan } } : {}),
  });
  const killSwitch = plan.steps.some((s) => s.kind === 'kill-switch');

  const store = new StateStore(options.stateDir);
  const netns = await currentNetnsId();
  const stateFile = store.fileFor(tun.name, netns);
  const inherited = await inheritLeftovers(addon, tun.name, stateFile, options, killSwitch);
  const state: TunnelState = {
    version: 1,
    pid: process.pid,
    pidStartTime: (await processIdentity(process.pid))?.startTime ?? null,
    ifname: tun.name,
    ifindex: tun.ifindex,
    netns,
    createdAt: new Date().toISOString(),
    journal: [],
  };
  const write = (entries: readonly JournalEntry[]) =>
    store.write({ ...state, journal: [...entries] });
  // Inherited entries stay first in the file, so they are retried last.
  const saveApplied = (entries: readonly JournalEntry[]) => write([...inherited, ...entries]);
  // Written before the first change, so even a crash during the first step is recoverable.
  await saveApplied([]);

  let journal: Journal;
  try {
    journal = await applyPlan(addon, plan, {
      ...(options.dns ? { dns: options.dns } : {}),
      ...(options.sysctlRoot ? { sysctlRoot: options.sysctlRoot } : {}),
      ...(options.firewall ? { firewall: options.firewall } : {}),
      onJournal: saveApplied,
      onStep: (step) => log?.debug(step, { interface: tun.name }),
    });
  } catch (err) {
    // A complete rollback leaves nothing to recover; otherwise the state
    // file (holding what is left) lets the next start finish the job.
    const remaining = err instanceof ApplyError ? err.rollback.remaining.length : 0;
    if (remaining === 0 && inherited.length === 0) {
      await store.remove(tun.name, netns).catch(() => {});
    }
    throw err;
  }

  // Our table replaced any a dead run left: its record is ours now.
  if (killSwitch) {
    await forgetStaleKillSwitches(options.stateDir, stateFile).catch((err: unknown) =>
      log?.warn("could not update an earlier run's state file", { error: err }),
    );
  }
  const dnsEntry = journal.entries.find((e) => e.kind === 'dns');
  log?.info('system configured', {
    interface: tun.name,
    killSwitch,
    fullTunnel: plan.fullTunnel,
    table: plan.table,
    socketMark: plan.socketMark,
    routes: plan.steps.filter((s) => s.kind === 'route').length,
    dns: dnsEntry?.kind === 'dns' ? dnsEntry.record.method : 'unchanged',
  });

  let result: Promise<TeardownSummary> | null = null;
  return {
    ifname: tun.name,
    socketMark: plan.socketMark,
    killSwitch,
    table: plan.table,
    stateFile,
    teardown: (request = {}) => {
      result ??= (async () => {
        const all: Journal = { ...journal, entries: [...inherited, ...journal.entries] };
        const report = await teardown(addon, all, {
          ...(request.keepKillSwitch
            ? { keep: (e: JournalEntry) => e.kind === 'kill-switch' }
            : {}),
          ...(options.dns ? { dns: options.dns } : {}),
          ...(options.sysctlRoot ? { sysctlRoot: options.sysctlRoot } : {}),
          ...(options.firewall ? { firewall: options.firewall } : {}),
          onJournal: write,
        });
        for (const note of report.notes) log?.warn(note, { interface: tun.name });
        for (const error of report.errors) log?.warn(error, { interface: tun.name });
        if (request.keepKillSwitch && report.remaining.length > 0) {
          // Handed over as a finished run's: owned by no process (pid 0), so whoever
          // lifts dead runs' blocks (Disconnect, `slipstream down`, the next start) can
          // lift this one too, even while this process lives on (a helper whose start failed).
          await store
            .write({ ...state, pid: 0, pidStartTime: null, journal: [...report.remaining] })
            .catch((err: unknown) => {
              report.errors.push(
                `saving state: ${err instanceof Error ? err.message : String(err)}`,
              );
            });
        }
        if (report.remaining.length === 0) {
          try {
            await store.remove(tun.name, netns);
          } catch (err) {
            report.errors.push(err instanceof Error ? err.message : String(err));
          }
        }
        log?.debug('system configuration removed', {
          interface: tun.name,
          undone: report.undone.length,
          errors: report.errors.length,
        });
        return { undone: report.undone, errors: report.errors, notes: report.notes };
      })();
      return result;
    },
  };
}

/**
 * A state file for this interface name that an earlier run could not fully
 * undo (its recovery failed) would be overwritten by ours and its undo
 * records lost. One more recovery attempt is made; whatever still cannot be
 * undone is carried into this tunnel's journal and retried at its teardown.
 * A dead run's kill switch stays blocking when this run brings its own (which
 * replaces it atomically); its record is then not needed.
 */
async function inheritLeftovers(
  addon: NativeAddon,
  ifname: string,
  stateFile: string,
  options: LinuxConfigureOptions,
  killSwitch: boolean,
): Promise<JournalEntry[]> {
  const recovered = await recoverStaleStates(addon, ifname, {
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    ...(options.dns ? { dns: options.dns } : {}),
    ...(options.sysctlRoot ? { sysctlRoot: options.sysctlRoot } : {}),
    ...(options.firewall ? { firewall: options.firewall } : {}),
    keepKillSwitch: killSwitch,
  });
  for (const r of recovered) {
    if (r.undone.length > 0) options.log?.info('cleaned up after an earlier run', { ...r });
  }
  const left = await readState(stateFile).catch(() => null);
  if (!left || (await isOwnerRunning(left))) return [];
  const entries = killSwitch ? left.journal.filter((e) => e.kind !== 'kill-switch') : left.journal;
  if (entries.length === 0) return [];
  options.log?.warn('an earlier run left changes that could not be undone; retrying at teardown', {
    interface: ifname,
    entries: entries.length,
  });
  return entries;
}

export async function recoverStale(
  addon: NativeAddon,
  ifname?: string,
  options: LinuxRecoverOptions = {},
): Promise<StaleCleanup[]> {
  return recoverStaleStates(addon, ifname, options);
}

export const linuxPlatform: Platform = { configureTunnel, recoverStale, killSwitchActive };
