/**
 * Windows: the helper as a service. The installer registers
 * `Slipstream.exe --helper-service` with the Service Control Manager
 * (installer.nsh); Node cannot talk to the SCM, so the native addon does
 * (native/src/windows/service.cc): it runs the service dispatcher on its own
 * thread and calls back here with the start arguments and, later, when the
 * SCM asks the service to stop.
 *
 * The GUI starts the service with ['--user-sid', its user's SID]
 * (helper-launcher.ts). The service runs as SYSTEM and any interactive user
 * may start it, so only that SID is taken from the arguments; the pipe, the
 * directories and everything else are fixed (app/helper/service-start.ts).
 * It then runs the same helper as app/helper/main.ts does (runHelper), and
 * reports "running" only once the user's pipe listens, so a GUI that sees
 * the service running can connect.
 *
 * Where things go: %ProgramData%\Slipstream\<SID>\profiles and \logs, and
 * the service's own log (start arguments refused, start failures) in
 * %ProgramData%\Slipstream\service.jsonl. %ProgramData%'s inherited ACL lets
 * every user read what it holds, and create files and directories in it; the
 * profiles hold private keys. So each directory is created with a protected
 * DACL for SYSTEM and Administrators only (ensureSecureDirectory), in one
 * step, and one that already exists is used only if it is a plain directory
 * owned by SYSTEM or Administrators: one a user made first (to plant a
 * junction or a hard link for SYSTEM to write through) makes the start fail
 * until an administrator removes it.
 *
 * Exit codes, which the SCM records as service-specific errors: SERVICE_EXIT.
 */
import { app } from 'electron';
import path from 'node:path';
import { createLogger, fileSink, type LogSink, type RootLogger } from '../../log/logger.js';
import { loadAddon } from '../../native/addon.js';
import type { NativeAddon } from '../../native/types.js';
import { runHelper } from '../../helper/run.js';
import {
  SERVICE_DIRECTORY_SDDL,
  SERVICE_EXIT,
  serviceDataRoot,
  serviceStart,
} from '../../helper/service-start.js';
import { HELPER_SERVICE_NAME } from '../../helper/windows-pipe.js';

export const SERVICE_NAME = HELPER_SERVICE_NAME;

/** winsvc.h: the control that asks a service to stop at system shutdown. */
const SERVICE_CONTROL_SHUTDOWN = 5;

/** The addon's Windows-only service exports (absent from other builds). */
type ServiceBinding = Required<
  Pick<
    NativeAddon,
    'runService' | 'reportServiceRunning' | 'reportServiceStopped' | 'ensureSecureDirectory'
  >
>;

function serviceBinding(): ServiceBinding | null {
  const addon = loadAddon();
  const { runService, reportServiceRunning, reportServiceStopped, ensureSecureDirectory } = addon;
  if (!runService || !reportServiceRunning || !reportServiceStopped || !ensureSecureDirectory) {
    return null;
  }
  return {
    runService: (name, onEvent) => runService.call(addon, name, onEvent),
    reportServiceRunning: () => reportServiceRunning.call(addon),
    reportServiceStopped: (code) => reportServiceStopped.call(addon, code),
    ensureSecureDirectory: (dir, sddl) => ensureSecureDirectory.call(addon, dir, sddl),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The service's own log, for what happens before (or instead of) a user's
 * helper log: in the data root, once that is secured; else stderr only,
 * which nobody reads under the SCM but does show when run by hand.
 */
function serviceLogger(binding: ServiceBinding, root: string): RootLogger {
  const sinks: LogSink[] = [];
  try {
    binding.ensureSecureDirectory(root, SERVICE_DIRECTORY_SDDL);
    sinks.push(fileSink(path.win32.join(root, 'service.jsonl')));
  } catch (err) {
    console.error(`slipstream: no service log in ${root}: ${message(err)}`);
  }
  return createLogger({ level: 'info', target: 'helper-service', sinks });
}

/** Serves the user named by the start arguments until `stopSignal`; the exit code. */
async function serve(
  binding: ServiceBinding,
  startArgs: string[],
  stopSignal: AbortSignal,
  onHelperRunning: (running: boolean) => void,
): Promise<number> {
  const root = serviceDataRoot(process.env);
  const log = serviceLogger(binding, root);
  const fail = async (what: string, err: unknown, code: number) => {
    console.error(`slipstream: ${what}: ${message(err)}`);
    log.error(what, { error: err });
    await log.flush();
    return code;
  };
  let start;
  try {
    start = serviceStart(startArgs, root);
  } catch (err) {
    return fail('the service was started without a user to serve', err, SERVICE_EXIT.badArguments);
  }
  if (start.ignored.length > 0) log.warn('start arguments ignored', { ignored: start.ignored });
  try {
    for (const dir of start.directories) binding.ensureSecureDirectory(dir, SERVICE_DIRECTORY_SDDL);
  } catch (err) {
    return fail('the service could not prepare its directories', err, SERVICE_EXIT.failed);
  }
  log.info('serving', { userSid: start.args.userSid, socket: start.args.socket });
  await log.flush();
  onHelperRunning(true);
  try {
    const code = await runHelper(start.args, {
      stopSignal,
      onReady: () => {
        try {
          binding.reportServiceRunning();
        } catch (err) {
          // Only when the SCM state went elsewhere meanwhile; the helper serves on regardless.
          log.warn('could not report the service running', { error: err });
        }
      },
    });
    log.info('stopped', { code });
    await log.flush();
    return code;
  } catch (err) {
    // runHelper logged the details in the user's helper log.
    return fail('the helper did not start', err, SERVICE_EXIT.failed);
  } finally {
    onHelperRunning(false);
  }
}

export async function runHelperService(): Promise<void> {
  // A service has no desktop: no GPU process, no windows, no tray.
  app.disableHardwareAcceleration();
  const binding = process.platform === 'win32' ? serviceBinding() : null;
  if (!binding) {
    console.error('slipstream: --helper-service works only in the Windows build');
    app.exit(2);
    return;
  }
  await app.whenReady();
  const stop = new AbortController();
  let helperRunning = false;
  let stopped = false;
  const finish = (code: number) => {
    if (stopped) return;
    stopped = true;
    binding.reportServiceStopped(code);
    app.exit(code);
  };
  // While the helper runs it handles these itself (tunnel down, then it
  // returns). Outside it, Electron's default would be an error dialog on a
  // desktop nobody sees, with the service stuck in a pending state.
  process.on('uncaughtException', (err) => {
    if (helperRunning) return;
    console.error(`slipstream: internal error in the helper service: ${message(err)}`);
    finish(SERVICE_EXIT.failed);
  });
  binding.runService(SERVICE_NAME, (event, code, args) => {
    switch (event) {
      case 'start':
        void serve(binding, args, stop.signal, (running) => (helperRunning = running)).then(
          finish,
          () => finish(SERVICE_EXIT.failed),
        );
        return;
      case 'stop':
        // runHelper takes the tunnel down, closes the pipe and flushes its log; serve resolves.
        stop.abort(code === SERVICE_CONTROL_SHUTDOWN ? 'system shutdown' : 'service stop');
        return;
      case 'error':
        // 1063 (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): started by hand, not by the SCM.
        console.error(`slipstream: the service dispatcher failed (Win32 error ${code})`);
        app.exit(1);
        return;
    }
  });
}
