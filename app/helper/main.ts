#!/usr/bin/env node
/**
 * The privileged helper: owns the native addon, the tunnel and the profiles,
 * and answers one local user over a Unix socket (a named pipe on Windows;
 * control-server.ts).
 *
 *   node dist/app/helper/main.js --socket PATH --uid N --gid N
 *        --state-dir DIR --log-dir DIR [--ifname NAME] [--log-level LEVEL]
 *   (Windows: --user-sid SID instead of --socket, --uid and --gid)
 *
 * Run by the systemd unit (deb), by pkexec (AppImage, development) or, when
 * the GUI already has CAP_NET_ADMIN (tests, root), as the GUI's child. It
 * keeps running when the GUI goes away: the tunnel stays up until told
 * otherwise. SIGTERM/SIGINT take the tunnel down and remove the socket.
 */
import { logFile } from '../log/location.js';
import { createLogger, fileSink } from '../log/logger.js';
import { LogService } from '../log/log-service.js';
import { startTunnel } from '../tunnel/session.js';
import { createDispatcher } from '../../ipc/server.js';
import { startControlServer } from './control-server.js';
import { helperHandlers } from './handlers.js';
import { parseHelperArgs } from './args.js';
import { ProfileStore } from './profile-store.js';
import { TunnelController } from './tunnel-controller.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseHelperArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`slipstream-helper: ${(err as Error).message}\n`);
    return 2;
  }
  const logPath = logFile(args.logDir, 'helper', process.platform);
  const log = createLogger({
    level: args.logLevel,
    target: 'helper',
    sinks: [fileSink(logPath)],
  });
  const logs = new LogService(args.logDir);
  const profiles = await ProfileStore.open(args.stateDir);
  let broadcast: (state: import('../../ipc/schema.js').TunnelState) => void = () => {};
  const tunnel = new TunnelController({
    startTunnel,
    ifname: args.ifname,
    log,
    onState: (state) => broadcast(state),
  });
  const dispatch = createDispatcher(helperHandlers(profiles, tunnel, logs), (command, error) =>
    log.warn('command failed', { command, error }),
  );
  const user = 'userSid' in args ? { userSid: args.userSid } : { uid: args.uid, gid: args.gid };
  const server = await startControlServer({ socketPath: args.socket, ...user, dispatch });
  broadcast = (state) => server.broadcast('state', state);
  // Only its own log: in development main's log may share the directory, and main reports that.
  logs.watch((process, totalLines) => {
    if (process === 'helper') server.broadcast('logGrowth', { process, totalLines });
  });
  log.info('helper ready', { socket: args.socket, ...user });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info('helper stopping', { reason });
      void (async () => {
        await tunnel.close();
        await server.close();
        logs.close();
        await log.flush();
        resolve(0);
      })();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('uncaughtException', (err) => {
      log.error('internal error; taking the tunnel down', { error: err });
      stop('internal error');
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`slipstream-helper: ${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
