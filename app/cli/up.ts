/**
 * `slipstream up`: runs a tunnel in the foreground until SIGINT/SIGTERM.
 * The first signal tears down everything the tunnel configured and exits 0.
 * A second signal exits at once; the state file left behind lets the next
 * start remove whatever this run could not.
 */
import { loadWgQuickFile } from '../config/load.js';
import { createLogger, fileSink, streamSink, type LogSink } from '../log/logger.js';
import { encodeKey } from '../tunnel/wireguard/keys.js';
import { startTunnel } from '../tunnel/session.js';
import type { UpCommand } from './args.js';

export async function runUp(cmd: UpCommand): Promise<number> {
  const config = await loadWgQuickFile(cmd.config);

  const sinks: LogSink[] = [streamSink(process.stderr)];
  if (cmd.logFile) sinks.push(fileSink(cmd.logFile));
  const log = createLogger({ level: cmd.logLevel, target: 'slipstream', sinks });
  // Registered secrets are scrubbed from every message and field, whatever the key.
  log.addSecret(encodeKey(config.interface.privateKey));
  for (const peer of config.peers)
    if (peer.presharedKey) log.addSecret(encodeKey(peer.presharedKey));
  for (const w of config.warnings) log.warn(w.message, { file: w.file, line: w.line });

  let tunnel: Awaited<ReturnType<typeof startTunnel>>;
  try {
    tunnel = await startTunnel(
      config,
      {
        ifname: cmd.ifname,
        statsIntervalMs: cmd.statsIntervalSeconds * 1000,
        engine: {
          gso: cmd.gso,
          ...(cmd.cryptoWorkers === null ? {} : { cryptoWorkers: cmd.cryptoWorkers }),
        },
      },
      log.child('tunnel'),
    );
  } catch (err) {
    log.error('could not bring the tunnel up', { error: err });
    await log.flush();
    throw err;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    let crashed = false;
    const finish = (code: number) => {
      void log.flush().then(() => resolve(crashed ? 1 : code));
    };
    const stop = (reason: string) => {
      if (stopping) {
        log.warn('second signal: exiting without cleanup; the next start removes leftovers', {
          signal: reason,
        });
        void log.flush().finally(() => process.exit(130));
        return;
      }
      stopping = true;
      log.info('shutting down', { reason });
      tunnel.stop().then(
        () => finish(0),
        (err: unknown) => {
          log.error('teardown incomplete', { error: err });
          finish(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => stop('SIGHUP'));
    process.on('uncaughtException', (err) => {
      crashed = true;
      log.error('internal error; taking the tunnel down', { error: err });
      stop('internal error');
    });
  });
}
