/**
 * Runs a tunnel in the foreground until SIGINT/SIGTERM, shared by
 * `up --config` and `up --portal`. The first signal (caught from the first
 * line of the process, see shutdown.ts) aborts `stop`: during start-up the
 * steps done so far are undone in reverse; once up, everything the tunnel
 * configured is torn down; either way the exit status is 0. A second signal
 * exits at once; the journal left behind lets the next start remove whatever
 * this run could not.
 */
import type { WgQuickConfig } from '../config/types.js';
import type { RootLogger } from '../log/logger.js';
import { decideKillSwitch } from '../platform/kill-switch.js';
import { encodeKey } from '../tunnel/wireguard/keys.js';
import { RetryLoop } from '../tunnel/reconnect.js';
import { startTunnel } from '../tunnel/session.js';
import type { UpCommand } from './args.js';
import { Interrupted, signalExitCode, type Shutdown } from './shutdown.js';

export type TunnelOptions = Pick<
  UpCommand,
  | 'ifname'
  | 'gso'
  | 'nativeDataPath'
  | 'cryptoWorkers'
  | 'statsIntervalSeconds'
  | 'killSwitch'
  | 'allowLan'
>;

/** Lets the code that supplied the config take the tunnel down (a portal session that ended). */
export interface TunnelControl {
  /** Tears the tunnel down as a signal would, then exits with `exitCode`. */
  stop(reason: string, exitCode: number): void;
}

/**
 * Brings the tunnel up and keeps it up until a signal or `control.stop`.
 * `onUp` runs once the tunnel is up. Resolves with the exit code.
 */
export async function runTunnel(
  config: WgQuickConfig,
  cmd: TunnelOptions,
  log: RootLogger,
  shutdown: Shutdown,
  onUp?: (control: TunnelControl) => void,
): Promise<number> {
  // Registered secrets are scrubbed from every message and field, whatever the key.
  log.addSecret(encodeKey(config.interface.privateKey));
  for (const peer of config.peers)
    if (peer.presharedKey) log.addSecret(encodeKey(peer.presharedKey));

  const killSwitch = decideKillSwitch({
    peers: config.peers,
    setting: cmd.killSwitch,
    allowLan: cmd.allowLan,
  });
  log.info(killSwitch.options ? 'kill switch on' : 'kill switch off', {
    reason: killSwitch.reason,
    ...(killSwitch.options ? { allowLan: killSwitch.options.allowLan } : {}),
    ...(killSwitch.blocksIpv6 ? { ipv6: 'blocked outside the tunnel' } : {}),
  });

  let tunnel: Awaited<ReturnType<typeof startTunnel>> | null = null;
  // Never give up (issue 12): WireGuard stops retrying after 90 s without an answer;
  // this keeps starting handshakes, with backoff, until one completes or the run ends.
  const reconnect = new RetryLoop({
    probe: () => tunnel?.probePeers(),
    onAttempt: (attempt, nextInMs) =>
      log.info('reconnecting', { attempt, retryInMs: nextInMs, reason: 'no handshake answer' }),
  });
  try {
    tunnel = await startTunnel(
      config,
      {
        ifname: cmd.ifname,
        statsIntervalMs: cmd.statsIntervalSeconds * 1000,
        killSwitch: killSwitch.options,
        onEvent: (event) => reconnect.onEvent(event),
        engine: {
          gso: cmd.gso,
          nativeDataPath: cmd.nativeDataPath,
          ...(cmd.cryptoWorkers === null ? {} : { cryptoWorkers: cmd.cryptoWorkers }),
        },
      },
      log.child('tunnel'),
      shutdown.signal,
    );
  } catch (err) {
    if (err instanceof Interrupted) {
      log.info('start-up interrupted; everything it had configured was undone', {
        signal: err.by,
      });
      await log.flush();
      return 0;
    }
    log.error('could not bring the tunnel up', { error: err });
    await log.flush();
    throw err;
  }

  const up = tunnel;
  return new Promise<number>((resolve) => {
    let stopping = false;
    let crashed = false;
    const finish = (code: number) => {
      void log.flush().then(() => resolve(crashed ? 1 : code));
    };
    const takeDown = (reason: string, exitCode = 0) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { reason });
      reconnect.stop();
      up.stop().then(
        () => finish(exitCode),
        (err: unknown) => {
          log.error('teardown incomplete', { error: err });
          finish(1);
        },
      );
    };
    shutdown.onSecondSignal = (signal) => {
      log.warn('second signal: exiting without cleanup; the next start removes leftovers', {
        signal,
      });
      void log.flush().finally(() => process.exit(signalExitCode(signal)));
    };
    const stop = shutdown.signal;
    const onStop = () => takeDown(typeof stop.reason === 'string' ? stop.reason : 'stop requested');
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    process.on('uncaughtException', (err) => {
      crashed = true;
      log.error('internal error; taking the tunnel down', { error: err });
      takeDown('internal error');
    });
    onUp?.({ stop: (reason, exitCode) => takeDown(reason, exitCode) });
  });
}
