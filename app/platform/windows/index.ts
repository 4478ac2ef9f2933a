/**
 * Windows system configuration for a tunnel: plan, apply with a journal,
 * undo at teardown or after a crash (see plan.ts, apply.ts, state.ts). The
 * OS calls go through WinNetApi (native.ts), the addon's `winNet`.
 */
import type { NativeAddon } from '../../native/types.js';
import type {
  ConfigureOptions,
  ConfiguredTunnel,
  Platform,
  RecoverStaleOptions,
  StaleCleanup,
  TeardownSummary,
  TunIdentity,
  TunnelConfigView,
} from '../types.js';
import { applyWinPlan, undoJournal, WinApplyError, type WinJournalEntry } from './apply.js';
import { winNetFromAddon, type WinNetApi } from './native.js';
import { planWindows } from './plan.js';
import { followEndpointRoutes, isEndpointRoute, ROUTE_CHECK_MS } from './endpoint-routes.js';
import {
  defaultWinStateDir,
  isKillSwitch,
  parseWinState,
  recoverWinStale,
  winStateFile,
  writeWinState,
  type WinTunnelState,
} from './state.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface WindowsConfigureOptions extends ConfigureOptions {
  /** The tunnel's UDP port, permitted by the kill switch (0 = any). */
  listenPort?: number;
  /** Issue 8's kill switch, as WFP filters. */
  killSwitch?: { allowLan: boolean } | null;
  /** Replaces the addon's winNet (tests: a recording fake). */
  api?: WinNetApi;
  /** Replaces the liveness check of an earlier run's pid (tests). */
  isAlive?: (pid: number) => boolean;
  /** How often the endpoint routes are checked against the table (tests: shorter). */
  routeCheckMs?: number;
}

export async function configureTunnel(
  addon: NativeAddon,
  tun: TunIdentity,
  config: TunnelConfigView,
  options: WindowsConfigureOptions,
): Promise<ConfiguredTunnel> {
  const api = options.api ?? winNetFromAddon(addon);
  const log = options.log;
  const dir = options.stateDir ?? defaultWinStateDir();
  const plan = planWindows({
    tun,
    config,
    mtu: options.mtu,
    endpoints: options.endpoints ?? [],
    listenPort: options.listenPort ?? 0,
    killSwitch: options.killSwitch ?? null,
  });
  // An earlier run of this interface that died: undo its changes first (its
  // adapter was replaced by ours, but routes to other interfaces, DNS, NRPT
  // and WFP filters outlive it).
  // A dead run's kill switch keeps blocking when this run brings its own:
  // installKillSwitch replaces the filters in one WFP transaction.
  const keepOld = options.killSwitch != null;
  for (const r of await recoverWinStale(api, dir, tun.name, options.isAlive, keepOld)) {
    log?.info('cleaned up after an earlier run', { ...r });
    if (r.errors.length > 0) {
      throw new Error(`an earlier run's changes could not be undone: ${r.errors.join('; ')}`);
    }
  }
  const state: WinTunnelState = {
    version: 1,
    pid: process.pid,
    ifname: tun.name,
    ifindex: tun.ifindex,
    createdAt: new Date().toISOString(),
    journal: [],
  };
  const save = (entries: readonly WinJournalEntry[]) =>
    writeWinState(dir, { ...state, journal: [...entries] });
  await save([]);
  let journal: WinJournalEntry[];
  try {
    journal = await applyWinPlan(api, plan, {
      onJournal: save,
      onStep: (step) => log?.debug(step, { interface: tun.name }),
    });
  } catch (err) {
    if (err instanceof WinApplyError && err.rollback.remaining.length === 0) {
      await fs.unlink(winStateFile(dir, tun.name)).catch(() => {});
    }
    throw err;
  }
  log?.info('system configured', {
    interface: tun.name,
    fullTunnel: plan.fullTunnel,
    routes: journal.filter((e) => e.kind === 'route').length,
    killSwitch: journal.some((e) => e.kind === 'killswitch'),
  });
  const follower = followEndpoints(api, journal, tun, options, save);
  let result: Promise<TeardownSummary> | null = null;
  return {
    ifname: tun.name,
    socketMark: 0, // no fwmark on Windows: endpoint host routes keep UDP off the tunnel
    killSwitch: journal.some((e) => e.kind === 'killswitch'),
    teardown: (request = {}) => {
      result ??= (async () => {
        await follower.stop();
        const keep = request.keepKillSwitch ? isKillSwitch : () => false;
        const report = await undoJournal(api, journal, save, keep);
        if (request.keepKillSwitch && report.remaining.length > 0) {
          // Handed over as a finished run's (pid 0), so Disconnect, `slipstream down`
          // or the next start can lift it even while this process lives on.
          await writeWinState(dir, { ...state, pid: 0, journal: [...report.remaining] }).catch(
            (err: unknown) =>
              report.errors.push(
                `saving state: ${err instanceof Error ? err.message : String(err)}`,
              ),
          );
        }
        if (report.remaining.length === 0) {
          await fs.unlink(winStateFile(dir, tun.name)).catch((e: NodeJS.ErrnoException) => {
            if (e.code !== 'ENOENT')
              report.errors.push(`removing state file: ${e.code ?? 'error'}`);
          });
        }
        for (const e of report.errors) log?.warn(e, { interface: tun.name });
        return { undone: report.undone, errors: report.errors, notes: [] };
      })();
      return result;
    },
  };
}

/**
 * A full tunnel's endpoint host routes follow the default route (endpoint-routes.ts):
 * checked every ROUTE_CHECK_MS until stop(), one check at a time.
 */
function followEndpoints(
  api: WinNetApi,
  journal: WinJournalEntry[],
  tun: TunIdentity,
  options: WindowsConfigureOptions,
  save: (entries: readonly WinJournalEntry[]) => Promise<void>,
): { stop(): Promise<void> } {
  const endpoints = new Set((options.endpoints ?? []).map((e) => e.address));
  if (!journal.some((e) => isEndpointRoute(e, endpoints, tun.ifindex))) {
    return { stop: async () => {} };
  }
  const log = options.log;
  const reported = new Set<string>();
  let running: Promise<void> | null = null;
  const check = async () => {
    try {
      const { moves, errors } = await followEndpointRoutes(
        api,
        journal,
        endpoints,
        tun.ifindex,
        save,
      );
      for (const move of moves) {
        log?.info('endpoint route moved with the default route', { interface: tun.name, ...move });
      }
      if (moves.length > 0) options.onPathChange?.('the default route moved');
      for (const e of errors.filter((e) => !reported.has(e))) {
        reported.add(e);
        log?.warn(`cannot move an endpoint route: ${e}`, { interface: tun.name });
      }
    } catch (err) {
      log?.warn('checking the endpoint routes failed', {
        interface: tun.name,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const timer = setInterval(() => {
    running ??= check().finally(() => {
      running = null;
    });
  }, options.routeCheckMs ?? ROUTE_CHECK_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

export async function recoverStale(
  addon: NativeAddon,
  ifname?: string,
  options: RecoverStaleOptions & { api?: WinNetApi; isAlive?: (pid: number) => boolean } = {},
): Promise<StaleCleanup[]> {
  const api = options.api ?? winNetFromAddon(addon);
  // The WFP filters are persistent: a dead run keeps blocking until this cleanup,
  // and past it with keepKillSwitch.
  const found = await recoverWinStale(
    api,
    options.stateDir ?? defaultWinStateDir(),
    ifname,
    options.isAlive,
    options.keepKillSwitch === true,
  );
  return found.map((r) => ({ ...r, linkDeleted: false, notes: [] }));
}

/** Whether any journal (ours or a dead run's) holds WFP kill-switch filters now. */
export async function killSwitchActive(stateDir: string = defaultWinStateDir()): Promise<boolean> {
  let names: string[];
  try {
    names = await fs.readdir(stateDir);
  } catch {
    return false;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      const state = parseWinState(await fs.readFile(path.join(stateDir, name), 'utf8'));
      if (state.journal.some((e) => e.kind === 'killswitch')) return true;
    } catch {
      // A damaged file is recoverStale's to set aside; it proves nothing here.
    }
  }
  return false;
}

export const windowsPlatform: Platform = {
  configureTunnel,
  recoverStale,
  killSwitchActive: () => killSwitchActive(),
};
