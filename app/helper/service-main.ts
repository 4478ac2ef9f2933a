/**
 * Windows: the helper service's entry point. The installer registers
 * `Slipstream.exe <resources>\app.asar.unpacked\dist\app\helper\service-main.js`
 * with ELECTRON_RUN_AS_NODE=1 in the service's own environment
 * (installer.nsh), so LocalSystem runs Electron's Node and this script, not
 * the Electron app with its Chromium. Should that variable ever be missing,
 * Electron would run this file as an app's main process: then it refuses to
 * serve (REFUSE_FULL_ELECTRON) and the SCM records the failure.
 *
 * Node cannot talk to the SCM, so the addon does (native/src/windows/service.cc).
 * The first user comes with the start arguments (`--user-sid`, from the GUI
 * that started the service: service-start.ts); every later one through the
 * front door (served-users.ts), where Windows, not the caller, says who they
 * are. Each user gets a helper of their own (runHelper: their pipe, profiles,
 * logs), at most MAX_SERVED_USERS, sharing the machine's one tunnel
 * (TunnelGate). "Running" is reported once the front door and the first
 * user's pipe listen.
 *
 * Where things go: %ProgramData%\Slipstream\<SID>\profiles and \logs, and the
 * service's own log in %ProgramData%\Slipstream\service.jsonl, each directory
 * created with a protected DACL for SYSTEM and Administrators
 * (ensureSecureDirectory), or used only if it is a plain directory owned by
 * them (the installer creates the root that way: installer.nsh).
 */
import net from 'node:net';
import path from 'node:path';
import { createLogger, fileSink, type LogSink, type RootLogger } from '../log/logger.js';
import { loadAddon } from '../native/addon.js';
import type { NativeAddon } from '../native/types.js';
import { runHelper, USER_SIGNED_OUT } from './run.js';
import {
  FRONT_DOOR_PIPE,
  FRONT_DOOR_SDDL,
  frontDoorAnswer,
  ServedUsers,
  type Admission,
  type FrontDoorAnswer,
  TunnelGate,
} from './served-users.js';
import {
  REFUSE_FULL_ELECTRON,
  SERVICE_DIRECTORY_SDDL,
  SERVICE_EXIT,
  serviceDataRoot,
  serviceStart,
  userStart,
} from './service-start.js';
import { HELPER_SERVICE_NAME } from './windows-pipe.js';

/** winsvc.h: the control that asks a service to stop at system shutdown. */
const SERVICE_CONTROL_SHUTDOWN = 5;

type Binding = Required<
  Pick<
    NativeAddon,
    | 'runService'
    | 'reportServiceRunning'
    | 'reportServiceStopped'
    | 'ensureSecureDirectory'
    | 'createPipeServer'
    | 'signedInUserSids'
  >
>;

function binding(): Binding | null {
  const a = loadAddon();
  const { runService, reportServiceRunning, reportServiceStopped, ensureSecureDirectory } = a;
  const { createPipeServer, signedInUserSids } = a;
  if (!runService || !reportServiceRunning || !reportServiceStopped || !ensureSecureDirectory)
    return null;
  if (!createPipeServer || !signedInUserSids) return null;
  return {
    runService: (name, onEvent) => runService.call(a, name, onEvent),
    reportServiceRunning: () => reportServiceRunning.call(a),
    reportServiceStopped: (code) => reportServiceStopped.call(a, code),
    ensureSecureDirectory: (dir, sddl) => ensureSecureDirectory.call(a, dir, sddl),
    createPipeServer: (pipe, sddl, onEvent, options) =>
      createPipeServer.call(a, pipe, sddl, onEvent, options),
    signedInUserSids: () => signedInUserSids.call(a),
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The service's users and their helpers; the SCM's stop ends them all. */
class Service {
  private readonly users = new ServedUsers();
  private readonly gate = new TunnelGate();
  private readonly stops = new Map<string, AbortController>();
  private readonly running = new Map<string, Promise<number>>();
  /** Per served user: the front door's answer, once their pipe listens. */
  private readonly ready = new Map<string, Promise<FrontDoorAnswer>>();
  private door: { close(): void } | null = null;
  /** Directories this process created or checked already (the root: at start). */
  private readonly secured = new Set<string>();

  constructor(
    private readonly b: Binding,
    private readonly root: string,
    private readonly log: RootLogger,
    rootSecured: boolean,
  ) {
    if (rootSecured) this.secured.add(root);
  }

  /** Starts `sid`'s helper unless it runs; resolves once their pipe listens. */
  serve(sid: string): Promise<FrontDoorAnswer> {
    const admission = this.users.admit(sid);
    // Served already: answered when their pipe listens (at once if it does).
    if (admission.kind === 'serving')
      return this.ready.get(sid) ?? Promise.resolve(frontDoorAnswer(admission));
    if (admission.kind !== 'new') return Promise.resolve(frontDoorAnswer(admission));
    const ready = this.start(sid, admission);
    this.ready.set(sid, ready);
    return ready;
  }

  private start(sid: string, admission: Admission): Promise<FrontDoorAnswer> {
    const start = userStart(sid, this.root);
    const stop = new AbortController();
    this.stops.set(sid, stop);
    return new Promise((resolve) => {
      const done = (code: number) => {
        this.ready.delete(sid);
        this.users.release(sid);
        this.stops.delete(sid);
        this.running.delete(sid);
        this.log.info('user helper stopped', { userSid: sid, code });
        return code;
      };
      const run = (async () => {
        for (const dir of start.directories) {
          if (this.secured.has(dir)) continue;
          this.b.ensureSecureDirectory(dir, SERVICE_DIRECTORY_SDDL);
          this.secured.add(dir);
        }
        return runHelper(start.args, {
          stopSignal: stop.signal,
          tunnelGate: { gate: this.gate, sid },
          onReady: () => resolve(frontDoorAnswer(admission)),
        });
      })().then(done, (err: unknown) => {
        this.log.error('user helper did not start', { userSid: sid, error: err });
        resolve({ error: `the helper could not start: ${message(err)}` });
        return done(SERVICE_EXIT.failed);
      });
      this.running.set(sid, run);
      this.log.info('serving', { userSid: sid, socket: start.args.socket, users: this.users.size });
    });
  }

  /** The front door: every interactive user may knock; Windows says who knocked. */
  openDoor(): void {
    this.door = this.b.createPipeServer(
      FRONT_DOOR_PIPE,
      FRONT_DOOR_SDDL,
      (err, fd, sid) => {
        if (err) {
          this.log.error('the front door stopped', { error: err });
          return;
        }
        if (fd === undefined) return;
        const socket = new net.Socket({ fd, readable: true, writable: true });
        socket.on('error', () => socket.destroy());
        void this.serve(sid ?? '').then((answer) => socket.end(`${JSON.stringify(answer)}\n`));
      },
      { identify: true },
    );
  }

  /**
   * After a sign-out: stops the helpers (and tunnels) of served users who are in no
   * session any more. When the session list cannot be read, nobody is stopped.
   */
  signOut(): void {
    let present: string[];
    try {
      present = this.b.signedInUserSids();
    } catch (err) {
      this.log.warn('could not list the signed-in users; every helper keeps running', {
        error: err,
      });
      return;
    }
    for (const sid of this.users.signedOut(present)) {
      this.log.info('user signed out; stopping their helper', { userSid: sid });
      this.stops.get(sid)?.abort(USER_SIGNED_OUT);
    }
  }

  async stopAll(reason: string): Promise<void> {
    this.door?.close();
    this.door = null;
    for (const stop of this.stops.values()) stop.abort(reason);
    await Promise.all(this.running.values());
  }
}

/** The service's own log, in the data root once that is secured (then `secured`). */
function serviceLogger(b: Binding, root: string): { log: RootLogger; secured: boolean } {
  const sinks: LogSink[] = [];
  let secured = false;
  try {
    b.ensureSecureDirectory(root, SERVICE_DIRECTORY_SDDL);
    secured = true;
    sinks.push(fileSink(path.win32.join(root, 'service.jsonl')));
  } catch (err) {
    console.error(`slipstream: no service log in ${root}: ${message(err)}`);
  }
  return { log: createLogger({ level: 'info', target: 'helper-service', sinks }), secured };
}

export function runHelperService(): void {
  // `process.type` is 'browser' in an Electron main process, absent in (Electron's) Node.
  if ((process as { type?: string }).type !== undefined) {
    console.error(`slipstream: ${REFUSE_FULL_ELECTRON}`);
    process.exit(SERVICE_EXIT.badArguments);
  }
  if (process.platform !== 'win32') {
    console.error('slipstream: the helper service runs only on Windows');
    process.exit(SERVICE_EXIT.badArguments);
  }
  const b = binding();
  if (!b) {
    console.error('slipstream: the helper service needs the Windows build of the addon');
    process.exit(SERVICE_EXIT.failed);
  }
  const root = serviceDataRoot(process.env);
  let service: Service | null = null;
  let finished = false;
  const finish = async (code: number, log?: RootLogger) => {
    if (finished) return;
    finished = true;
    await service?.stopAll('service stop');
    await log?.flush();
    b.reportServiceStopped(code);
    process.exit(code);
  };
  b.runService(HELPER_SERVICE_NAME, (event, code, args) => {
    if (event === 'error') {
      // 1063 (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): started by hand, not by the SCM.
      console.error(`slipstream: the service dispatcher failed (Win32 error ${code})`);
      process.exit(1);
    }
    if (event === 'session') {
      service?.signOut();
      return;
    }
    if (event === 'stop') {
      void service?.stopAll(code === SERVICE_CONTROL_SHUTDOWN ? 'system shutdown' : 'service stop');
      void finish(SERVICE_EXIT.ok);
      return;
    }
    const { log, secured } = serviceLogger(b, root);
    log.info('service starting', { runAsNode: process.env.ELECTRON_RUN_AS_NODE === '1' });
    let first;
    try {
      first = serviceStart(args, root);
    } catch (err) {
      log.error('the service was started without a user to serve', { error: err });
      void finish(SERVICE_EXIT.badArguments, log);
      return;
    }
    if (first.ignored.length > 0) log.warn('start arguments ignored', { ignored: first.ignored });
    const s = new Service(b, root, log, secured);
    service = s;
    // A fault outside any one helper: everything down, the SCM restarts the service.
    process.on('uncaughtException', (err) => {
      log.error('internal error in the helper service', { error: err });
      void finish(SERVICE_EXIT.failed, log);
    });
    void (async () => {
      try {
        s.openDoor();
      } catch (err) {
        log.error('the front door did not open', { error: err });
        return finish(SERVICE_EXIT.failed, log);
      }
      const answer = await s.serve(first.args.userSid);
      if ('error' in answer) return finish(SERVICE_EXIT.failed, log);
      b.reportServiceRunning();
    })();
  });
}

runHelperService();
