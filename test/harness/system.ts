// Running host commands and making sure the tools the harness drives are installed.
//
// Convention: command arguments never carry secrets (keys travel through 0600 files or
// stdin), so a failing command may be echoed in an error message; stdout is never echoed
// because tools such as `wg genkey` and `wg show dump` print keys there.
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import path from 'node:path';
import { requireCommands } from './system-packages.js';

export interface RunOptions {
  /** Kill the command (SIGKILL) after this long. Default 30 s. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string | Buffer;
  /** Extra environment variables, merged over the harness's environment. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command died from a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/** A command that could not be started, exited non-zero, or timed out. */
export class CommandError extends Error {
  declare readonly result: RunResult | null;

  constructor(
    message: string,
    readonly command: string,
    result: RunResult | null,
  ) {
    super(message);
    this.name = 'CommandError';
    // Not enumerable, so printing the error (test reporters, util.inspect) does not dump a
    // stdout that may hold keys.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

// Non-login root shells sometimes lack the sbin directories where `ip` and `nft` live.
const EXTRA_PATH_DIRS = [
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
  '/usr/local/bin',
  '/usr/bin',
  '/bin',
];

function searchPath(): string[] {
  const fromEnv = (process.env.PATH ?? '').split(':').filter((d) => d !== '');
  return [...new Set([...fromEnv, ...EXTRA_PATH_DIRS])];
}

/** The environment handed to every child: the caller's, with the sbin directories on PATH. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: searchPath().join(':'), ...extra };
}

/** Absolute path of an executable found on the (sbin-augmented) PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of searchPath()) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Printable form of a command line, for error messages. */
export function describeCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

// Keeps a runaway command from exhausting memory; far above anything the harness reads.
const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

/** Runs a command to completion. Never rejects for a non-zero exit; see runOk. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: childEnv(opts.env),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => {
      if (outBytes < MAX_CAPTURE_BYTES) out.push(b);
      outBytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < MAX_CAPTURE_BYTES) err.push(b);
      errBytes += b.length;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ENOENT' ? 'command not found' : e.message;
      reject(new CommandError(`${describeCommand(cmd, args)}: ${why}`, cmd, null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        timedOut,
      });
    });
    // A command that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Last part of a (possibly long) stderr, for error messages. */
function tail(text: string, max = 2000): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(t.length - max)}`;
}

/** Like run, but rejects with a CommandError carrying stderr unless the command exits 0. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const result = await run(cmd, args, opts);
  if (result.timedOut) {
    throw new CommandError(
      `${describeCommand(cmd, args)} timed out after ${opts.timeoutMs ?? 30_000} ms`,
      cmd,
      result,
    );
  }
  if (result.code !== 0) {
    const how = result.code === null ? `was killed by ${result.signal}` : `exited ${result.code}`;
    const stderr = tail(result.stderr);
    throw new CommandError(
      `${describeCommand(cmd, args)} ${how}${stderr ? `: ${stderr}` : ''}`,
      cmd,
      result,
    );
  }
  return result;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Throws a clear error unless running as root (namespaces, tun devices and veths need it). */
export function requireRoot(): void {
  if (!isRoot()) {
    throw new Error(
      'the network test harness must run as root (it creates network namespaces, veth pairs and tun devices)',
    );
  }
}

// The commands every network test drives; ss comes with ip, wg-quick with wg.
const NETWORK_TEST_COMMANDS = [
  'ip',
  'wg',
  'wireguard-go',
  'iperf3',
  'ping',
  'strace',
  'ethtool',
  'nft',
  'curl',
  'openssl',
] as const;

/**
 * Checks that the commands the network tests drive are installed (by
 * test/setup/install.mjs, from test/setup/debian-packages) and that the kernel offers
 * /dev/net/tun. Throws a sentence naming what is missing; installs nothing itself.
 */
export async function ensureTools(): Promise<void> {
  requireCommands(...NETWORK_TEST_COMMANDS);
  if (!existsSync('/dev/net/tun')) {
    throw new Error('/dev/net/tun does not exist (load the tun module: modprobe tun)');
  }
}
