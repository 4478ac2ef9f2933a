/**
 * The helper itself, whoever starts it: main.ts from a command line (Linux:
 * systemd, pkexec or the GUI; stopped by SIGTERM/SIGINT) and the Windows
 * service (app/helper/service-main.ts; stopped by the Service
 * Control Manager). Each turns its own inputs into HelperArgs and a stop
 * signal; opening the profiles, the log and the control server, and the
 * orderly way down, are only here.
 */
import { logFile } from '../log/location.js';
import { createLogger, fileSink } from '../log/logger.js';
import { LogService } from '../log/log-service.js';
import { loadAddon } from '../native/addon.js';
import { platform } from '../platform/index.js';
import { startTunnel } from '../tunnel/session.js';
import { createDispatcher } from '../../ipc/server.js';
import type { TunnelState } from '../../ipc/schema.js';
import type { HelperArgs } from './args.js';
import { startControlServer } from './control-server.js';
import { gatedLiftStale, gatedStartTunnel } from './gated-tunnel.js';
import { helperHandlers } from './handlers.js';
import { ProfileStore } from './profile-store.js';
import type { TunnelGate } from './served-users.js';
import { connectAtStartup } from './startup.js';
import { StartupStore } from './startup-store.js';
import { attachState } from './attach-state.js';
import { currentBootId } from './boot-id.js';
import { TunnelController } from './tunnel-controller.js';

export interface RunHelperOptions {
  /**
   * When one process serves several users (the Windows service): the machine's
   * one tunnel, shared among them (gated-tunnel.ts).
   */
  tunnelGate?: { gate: TunnelGate; sid: string };
  /** Called once the control server listens (with its access control in place). */
  onReady?: () => void;
  /** Aborting it stops the helper; the reason, if a string, is logged. */
  stopSignal: AbortSignal;
}

/** The stop reason the Windows service gives when a served user signs out. */
export const USER_SIGNED_OUT = 'user signed out';

/**
 * Runs the helper until `stopSignal` is aborted (or an uncaught exception),
 * then takes the tunnel down, closes the server and flushes the log, and
 * resolves with the exit code. Rejects when it cannot start, after logging
 * why where the log is already open.
 */
export async function runHelper(args: HelperArgs, options: RunHelperOptions): Promise<number> {
  const logPath = logFile(args.logDir, 'helper', process.platform);
  const log = createLogger({
    level: args.logLevel,
    target: 'helper',
    sinks: [fileSink(logPath)],
  });
  const logs = new LogService(args.logDir);
  let broadcast: (state: TunnelState) => void = () => {};
  const gated = options.tunnelGate;
  const liftStale = async () => {
    for (const r of await platform().recoverStale(loadAddon(), undefined))
      log.info('removed what an earlier run left', { ...r });
  };
  const tunnel = new TunnelController({
    startTunnel: gated ? gatedStartTunnel(startTunnel, gated.gate, gated.sid) : startTunnel,
    ifname: args.ifname,
    log,
    onState: (state) => broadcast(state),
    // Disconnect means no block: also what a killed helper or CLI run left (`slipstream down`).
    liftStale: gated ? gatedLiftStale(liftStale, gated.gate, gated.sid) : liftStale,
  });
  const user = 'userSid' in args ? { userSid: args.userSid } : { uid: args.uid, gid: args.gid };
  let server;
  let profiles: ProfileStore | null = null;
  let startup: StartupStore | null = null;
  try {
    profiles = await ProfileStore.open(args.stateDir);
    const opened = await StartupStore.open(args.stateDir);
    if (opened.problem)
      log.warn('startup settings unusable; using defaults', { problem: opened.problem });
    startup = opened.store;
    const dispatch = createDispatcher(
      helperHandlers(profiles, tunnel, logs, log, startup, () => platform().killSwitchActive()),
      (command, error) => log.warn('command failed', { command, error }),
    );
    server = await startControlServer({ socketPath: args.socket, ...user, dispatch });
  } catch (err) {
    // The service has no stderr anybody reads: its log is where this must show.
    log.error('helper failed to start', { socket: args.socket, error: err });
    await tunnel.close();
    await profiles?.close();
    logs.close();
    await log.flush();
    throw err;
  }
  const ready = server;
  // A pushed "disconnected" says whether a kill switch still blocks, as getState does
  // (attach-state.ts): after a failed start, a Dismiss, or a Disconnect whose lifting
  // failed, the GUI must not show a plain "Disconnected" while nothing gets out. One
  // check at a time, in order, so a later state is never overtaken by an earlier one.
  let pushed: Promise<void> = Promise.resolve();
  broadcast = (state) => {
    pushed = pushed.then(async () => {
      const blocking =
        state.status === 'disconnected' &&
        (await platform()
          .killSwitchActive()
          .catch(() => false));
      ready.broadcast(
        'state',
        state.status === 'disconnected' ? attachState(state, blocking) : state,
      );
    });
  };
  // Only its own log: in development main's log may share the directory, and main reports that.
  logs.watch((process, totalLines) => {
    if (process === 'helper') ready.broadcast('logGrowth', { process, totalLines });
  });
  log.info('helper ready', { socket: args.socket, ...user });
  const startupStore = startup;
  const bootId = await currentBootId();
  if (startupStore) void connectAtStartup(startupStore, profiles, tunnel, log, bootId);

  return new Promise<number>((resolve) => {
    let stopping = false;
    // `failed`: exit non-zero, so the service manager (Restart=on-failure) brings the
    // helper back; a wanted tunnel's block is kept meanwhile and needs a helper to lift it.
    const stop = (reason: string, failed = false) => {
      if (stopping) return;
      stopping = true;
      options.stopSignal.removeEventListener('abort', onAbort);
      process.off('uncaughtException', onUncaught);
      log.info('helper stopping', { reason });
      // SIGINT: the user's own stop (the app quitting the helper it started, Ctrl-C): a
      // disconnect; so is signing out of Windows (the machine's one tunnel must not go on
      // blocking the next user). SIGTERM and the rest: the service manager or a crash.
      const asDisconnect = reason === 'SIGINT' || reason === USER_SIGNED_OUT;
      void (async () => {
        // The user still wants the tunnel: the next helper of this boot resumes it
        // (its kill switch keeps blocking until then; see TunnelController.close).
        const s = tunnel.state;
        const wanted =
          !asDisconnect &&
          (s.status === 'connecting' || s.status === 'connected' || s.status === 'reconnecting')
            ? s.profileId
            : null;
        if (wanted && startupStore && bootId) {
          await startupStore.setResume({ profileId: wanted, bootId }).catch((err: unknown) => {
            log.warn('could not mark the tunnel to resume', { error: err });
          });
        }
        await tunnel.close({ asDisconnect });
        await ready.close();
        await profiles?.close();
        logs.close();
        await log.flush();
        resolve(failed ? 1 : 0);
      })();
    };
    const onAbort = () => {
      const reason: unknown = options.stopSignal.reason;
      stop(typeof reason === 'string' ? reason : 'stop requested');
    };
    const onUncaught = (err: Error) => {
      log.error('internal error; taking the tunnel down', { error: err });
      stop('internal error', true);
    };
    options.stopSignal.addEventListener('abort', onAbort);
    process.on('uncaughtException', onUncaught);
    options.onReady?.();
    // Asked to stop while starting (the signal fired before the listener was there).
    if (options.stopSignal.aborted) onAbort();
  });
}
