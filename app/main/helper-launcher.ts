/**
 * Finds the privileged helper, or starts one (issue 4 §1):
 *  1. an installed system service's socket (/run/slipstream/<uid>/helper.sock,
 *     created by the deb's systemd unit), trusted only if root owns its directory;
 *  2. when this process already has CAP_NET_ADMIN (root, tests, CI), the helper
 *     as a child process with a socket in a fresh private directory;
 *  3. otherwise pkexec (AppImage, development), which asks for authorisation
 *     and runs the helper as root with the system socket path.
 *
 * Windows has only the service: the installer registers it (installer.nsh)
 * and lets interactive users start it, so the GUI starts it on demand with
 * its own SID (--user-sid) and talks to that user's pipe (ensureWindowsHelper).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadAddon, type NativeAddon } from '../native/addon.js';
import { HELPER_SERVICE_NAME, pipePathForSid } from '../helper/windows-pipe.js';
import { FRONT_DOOR_PIPE, type FrontDoorAnswer } from '../helper/served-users.js';
import { checkPipeServer } from './helper-transport.js';
import { TUNNEL_RUNTIME_FLAGS } from '../util/runtime-flags.js';

export interface HelperEndpoint {
  socketPath: string;
  /** Who must own the socket's directory for the GUI to trust it (not used on Windows). */
  trustedOwner: number;
  how: 'system' | 'child' | 'pkexec' | 'service';
  /** Stops a child helper; a system or pkexec helper keeps running (it owns the tunnel). */
  stop(): Promise<void>;
}

export interface HelperLaunchOptions {
  /** Compiled helper entry (dist/app/helper/main.js, unpacked from asar when packaged). */
  entry: string;
  /** The JavaScript runtime: node, or Electron's own binary with ELECTRON_RUN_AS_NODE=1. */
  execPath: string;
  env?: Record<string, string>;
  /**
   * What pkexec runs: the installed launcher (resources/linux/slipstream-helper),
   * which the shipped polkit action names and which sets the helper's
   * environment itself (pkexec clears it). Without one (development), pkexec
   * runs `execPath` directly, which only works when it needs no environment.
   */
  pkexecCommand?: string;
  /** Where a child helper keeps profiles and writes its log. */
  stateDir: string;
  logDir: string;
  logLevel?: string;
  /** Interface name for tunnels; default: the kernel's choice. */
  ifname?: string;
  /** Override of the system socket location (tests). */
  systemSocket?: string;
  /** Called with a line when a child helper writes to stderr (start-up failures). */
  onStderr?: (line: string) => void;
}

/** CAP_NET_ADMIN (bit 12) in this process's effective set. */
export function hasNetAdmin(status = readFileSync('/proc/self/status', 'utf8')): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? (BigInt(`0x${m[1]}`) & (1n << 12n)) !== 0n : false;
}

export function systemSocketPath(uid: number): string {
  return `/run/slipstream/${uid}/helper.sock`;
}

async function waitForSocket(socket: string, child: ChildProcess, stderr: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = stderr.join('').trim().split('\n').pop() ?? `exit ${child.exitCode}`;
      throw new Error(`the Slipstream helper did not start: ${why}`);
    }
    if (Date.now() > deadline) throw new Error('the Slipstream helper did not start in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const SERVICE_NOT_INSTALLED =
  'The Slipstream service is not installed. Reinstall Slipstream.';

/** The addon calls ensureWindowsHelper makes; a parameter so the logic can be tested anywhere. */
export type ServiceControl = Required<
  Pick<NativeAddon, 'currentUserSid' | 'queryService' | 'startService'>
> & {
  /** Asks the running service, at its front door, to serve this user (served-users.ts). */
  knock(): Promise<FrontDoorAnswer>;
};

function addonServiceControl(): ServiceControl {
  const addon = loadAddon();
  const { currentUserSid, queryService, startService } = addon;
  if (!currentUserSid || !queryService || !startService) {
    throw new Error('this build of Slipstream cannot start its Windows service');
  }
  return {
    currentUserSid: () => currentUserSid.call(addon),
    queryService: (name) => queryService.call(addon, name),
    startService: (name, args) => startService.call(addon, name, args),
    knock: knockAtFrontDoor,
  };
}

/**
 * The front door is checked like the user's own pipe (owned by the system, served
 * by the service's process) before anything is read from it; its answer only says
 * whether the service now serves us, and at which pipe, which must be ours.
 */
async function knockAtFrontDoor(): Promise<FrontDoorAnswer> {
  checkPipeServer(FRONT_DOOR_PIPE);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(FRONT_DOOR_PIPE);
    socket.setEncoding('utf8');
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer')), 15_000);
    socket.on('data', (d: string) => {
      text += d;
      if (text.length > 4096) socket.destroy(new Error('answer too long'));
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        const answer = JSON.parse(text) as FrontDoorAnswer;
        if (
          typeof answer === 'object' &&
          answer !== null &&
          ('pipe' in answer || 'error' in answer)
        )
          return resolve(answer);
      } catch {
        // Reported below.
      }
      reject(new Error('the Slipstream service gave an answer it should not'));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Windows: makes sure the helper service runs and returns this user's pipe.
 * The service reports "running" only once its pipe listens (service.cc stays
 * in START_PENDING until then); should it restart later, the link to it
 * (helper-link.ts) retries with backoff.
 */
export async function ensureWindowsHelper(
  control: ServiceControl = addonServiceControl(),
  timeoutMs = 15_000,
): Promise<HelperEndpoint> {
  const sid = control.currentUserSid();
  const endpoint: HelperEndpoint = {
    socketPath: pipePathForSid(sid),
    trustedOwner: 0,
    how: 'service',
    // The service keeps running without the GUI: it owns the tunnel.
    stop: async () => {},
  };
  const deadline = Date.now() + timeoutMs;
  let started = false;
  for (;;) {
    const status = control.queryService(HELPER_SERVICE_NAME);
    if (!status) throw new Error(SERVICE_NOT_INSTALLED);
    if (status.state === 'running') {
      // Started by somebody else (another user, an earlier session): ask to be served too.
      if (!started) await askToBeServed(control, endpoint.socketPath);
      return endpoint;
    }
    if (status.state === 'stopped') {
      if (started) throw new Error('The Slipstream service stopped right after starting.');
      startService(control, sid);
      started = true;
    }
    // Otherwise it is on its way up or down (another GUI, the installer): wait and look again.
    if (Date.now() > deadline) throw new Error('The Slipstream service did not start in time.');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function askToBeServed(control: ServiceControl, ownPipe: string): Promise<void> {
  let answer: FrontDoorAnswer;
  try {
    answer = await control.knock();
  } catch (err) {
    throw new Error(`Could not reach the Slipstream service: ${(err as Error).message}`);
  }
  if ('error' in answer)
    throw new Error(`The Slipstream service cannot serve you: ${answer.error}`);
  if (answer.pipe !== ownPipe) throw new Error('The Slipstream service answered for another user.');
}

function startService(control: ServiceControl, sid: string): void {
  try {
    // Already running (somebody was quicker) comes back as false, not as an error.
    control.startService(HELPER_SERVICE_NAME, ['--user-sid', sid]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERROR_SERVICE_DOES_NOT_EXIST') throw new Error(SERVICE_NOT_INSTALLED);
    if (code === 'ERROR_SERVICE_DISABLED') {
      throw new Error(
        'The Slipstream service is disabled. Enable it in Services, or reinstall Slipstream.',
      );
    }
    throw new Error(`Could not start the Slipstream service: ${(err as Error).message}`);
  }
}

export async function ensureHelper(options: HelperLaunchOptions): Promise<HelperEndpoint> {
  if (process.platform === 'win32') return ensureWindowsHelper();
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const system = options.systemSocket ?? systemSocketPath(uid);
  if (existsSync(system)) {
    return { socketPath: system, trustedOwner: 0, how: 'system', stop: async () => {} };
  }
  const privileged = hasNetAdmin();
  const dir = privileged ? await mkdtemp(path.join(os.tmpdir(), 'slipstream-helper-')) : null;
  const socketPath = dir ? path.join(dir, 'helper.sock') : system;
  const args = [
    options.entry,
    '--socket',
    socketPath,
    '--uid',
    String(uid),
    '--gid',
    String(gid),
    '--state-dir',
    privileged ? options.stateDir : `/var/lib/slipstream/${uid}`,
    '--log-dir',
    privileged ? options.logDir : `/var/log/slipstream/${uid}`,
    ...(options.logLevel ? ['--log-level', options.logLevel] : []),
    ...(options.ifname ? ['--ifname', options.ifname] : []),
  ];
  let command: string;
  let argv: string[];
  if (privileged) {
    [command, argv] = [options.execPath, [...TUNNEL_RUNTIME_FLAGS, ...args]];
  } else if (options.pkexecCommand) {
    // The launcher's own path, so the shipped polkit action (com.slipstream.helper) matches
    // and the prompt says what it is for; the launcher checks every argument.
    [command, argv] = ['pkexec', ['--disable-internal-agent', options.pkexecCommand, ...args]];
  } else if (Object.keys(options.env ?? {}).length === 0) {
    [command, argv] = [
      'pkexec',
      ['--disable-internal-agent', options.execPath, ...TUNNEL_RUNTIME_FLAGS, ...args],
    ];
  } else {
    throw new Error(
      'The Slipstream helper is not installed (development build): start it as root, or run the app as root.',
    );
  }
  const child = spawn(command, argv, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // A pkexec helper outlives the GUI; a child helper is stopped with it.
    detached: !privileged,
  });
  // Without a listener a failed spawn (pkexec not installed) would crash the app.
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new Error(
          err.code === 'ENOENT'
            ? privileged
              ? `The Slipstream helper could not be started: ${command} was not found.`
              : 'pkexec is not installed, so Slipstream cannot ask for permission to manage VPN connections. Install polkit (pkexec), or install the Slipstream package, which runs its service without asking.'
            : `The Slipstream helper could not be started: ${err.message}`,
        ),
      );
    });
  });
  spawnFailed.catch(() => undefined);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 20) stderr.shift();
    for (const line of chunk.split('\n')) if (line.trim()) options.onStderr?.(line);
  });
  try {
    await Promise.race([waitForSocket(socketPath, child, stderr), spawnFailed]);
  } catch (err) {
    child.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  if (!privileged) {
    child.unref();
    return { socketPath, trustedOwner: 0, how: 'pkexec', stop: async () => {} };
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    socketPath,
    trustedOwner: uid,
    how: 'child',
    stop: async () => {
      // SIGINT: the user quitting the app that started this helper is a disconnect
      // (no block kept, nothing resumed); SIGTERM is what a service manager sends.
      child.kill('SIGINT');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
