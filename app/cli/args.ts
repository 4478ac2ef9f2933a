/**
 * Command-line parsing for `slipstream`. Pure: argv in, a command or a usage
 * error out, so every path is unit-tested without spawning processes.
 */
import { parseLogLevel, type LogLevel } from '../log/logger.js';

export interface UpCommand {
  command: 'up';
  /** --config FILE: a wg-quick file; exactly one of config and portal is set. */
  config: string | null;
  /** --portal URL: the tunnel of the session signed in to this portal. */
  portal: string | null;
  /** --state-dir DIR: where the signed-in session is kept (with --portal). */
  stateDir: string | null;
  ifname: string | null;
  logLevel: LogLevel;
  logFile: string | null;
  /** False with --no-gso: send batches with sendmmsg instead of UDP GSO. */
  gso: boolean;
  /** False with --js-data-path: transport data in JavaScript, not on the addon's native threads. */
  nativeDataPath: boolean;
  /** --crypto-workers N; null = one per core but one. */
  cryptoWorkers: number | null;
  /** --stats-interval SECONDS; how often counters are logged (0 = only at exit). */
  statsIntervalSeconds: number;
  /** --kill-switch (true) / --no-kill-switch (false); null = on for a full tunnel only. */
  killSwitch: boolean | null;
  /** --allow-lan: the kill switch lets the local networks through. */
  allowLan: boolean;
}

export interface DownCommand {
  command: 'down';
  logLevel: LogLevel;
}

export interface LoginCommand {
  command: 'login';
  portal: string;
  stateDir: string | null;
  logLevel: LogLevel;
  /** False with --no-browser: only print the sign-in address. */
  openBrowser: boolean;
}

export interface LogoutCommand {
  command: 'logout';
  stateDir: string | null;
  logLevel: LogLevel;
}

export type CliCommand =
  | UpCommand
  | DownCommand
  | LoginCommand
  | LogoutCommand
  | { command: 'help' }
  | { command: 'version' };

export class UsageError extends Error {}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export const HELP = `slipstream: a WireGuard client with a batched, GSO-accelerated data path

Usage:
  slipstream up --config FILE [OPTIONS]
  slipstream up --portal URL [--state-dir DIR] [OPTIONS]
  slipstream down [--log-level LEVEL]
  slipstream login --portal URL [--state-dir DIR] [--no-browser] [--log-level LEVEL]
  slipstream logout [--state-dir DIR] [--log-level LEVEL]
  slipstream --help | --version

  OPTIONS: [--ifname NAME] [--log-level LEVEL] [--log-file FILE] [--no-gso] [--js-data-path]
           [--crypto-workers N] [--stats-interval SECONDS]
           [--kill-switch | --no-kill-switch] [--allow-lan]

Commands:
  up            bring up a tunnel and keep it up until Ctrl-C or SIGTERM, which
                remove everything it configured. With --portal, the tunnel of
                the session made by login; it goes down (exit 1) when the
                session expires or the device is removed on the portal
  down          remove what a run that was killed left behind (routes, rules,
                DNS, and its kill switch, which blocks until then)
  login         sign in to an organisation's portal in the browser and register
                this device (a key pair made here; only the public key is sent)
  logout        remove this device from the portal, revoke the sign-in and
                delete the saved session (locally even if the portal is down)

Options:
  --config FILE     wg-quick configuration ([Interface] and [Peer] sections)
  --portal URL      the portal's https:// address, e.g. https://vpn.example.com
  --state-dir DIR   where the session is saved (default: $XDG_CONFIG_HOME/slipstream
                    or ~/.config/slipstream; the invoking user's under sudo)
  --no-browser      print the sign-in address without trying to open a browser
  --ifname NAME     tunnel interface name (default: the kernel picks tunN)
  --log-level LEVEL error | warn | info | debug | trace (default: info; warn for
                    login and logout)
  --log-file FILE   also append JSONL logs to FILE (rotated by size)
  --no-gso          send batches with sendmmsg instead of UDP GSO (for comparison)
  --js-data-path    carry transport data in JavaScript (crypto workers) instead of
                    the addon's native threads (for comparison; Linux)
  --crypto-workers N  threads for encryption and decryption; 0 = main thread
                    (default: one per CPU core but one, at least 1)
  --stats-interval SECONDS  log counters this often (default 60; 0 = only at exit)
  --kill-switch     block all traffic outside the tunnel while it runs (default
                    for full tunnels: AllowedIPs with 0.0.0.0/0 or ::/0)
  --no-kill-switch  never block traffic outside the tunnel
  --allow-lan       with the kill switch, still allow the local networks

Logs are JSONL on stderr: one object per line with time, level, target and
message. up needs root or CAP_NET_ADMIN.`;

type Command = 'up' | 'down' | 'login' | 'logout';

const VALUE_OPTIONS: Record<Command, string[]> = {
  up: [
    'config',
    'portal',
    'state-dir',
    'ifname',
    'log-level',
    'log-file',
    'crypto-workers',
    'stats-interval',
  ],
  down: ['log-level'],
  login: ['portal', 'state-dir', 'log-level'],
  logout: ['state-dir', 'log-level'],
};
const FLAGS: Record<Command, string[]> = {
  up: ['no-gso', 'js-data-path', 'kill-switch', 'no-kill-switch', 'allow-lan'],
  down: [],
  login: ['no-browser'],
  logout: [],
};

interface Parsed {
  values: Map<string, string>;
  flags: Set<string>;
}

/** Splits `--key=value` and `--key value`; rejects unknown or repeated options. */
function parseOptions(command: Command, rest: readonly string[]): Parsed | null {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') return null;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (FLAGS[command].includes(name) && eq < 0) {
      flags.add(name);
      continue;
    }
    if (!VALUE_OPTIONS[command].includes(name)) {
      throw new UsageError(`unknown option --${name} for ${command} (try --help)`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = rest[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, value);
  }
  return { values, flags };
}

function logLevelOf(values: Map<string, string>, fallback: LogLevel): LogLevel {
  const level = values.get('log-level');
  if (level === undefined) return fallback;
  try {
    return parseLogLevel(level);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function parseArgs(argv: readonly string[]): CliCommand {
  if (argv.length === 0) throw new UsageError('missing command (try --help)');
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-V') return { command: 'version' };
  if (first !== 'up' && first !== 'down' && first !== 'login' && first !== 'logout') {
    throw new UsageError(`unknown command "${first}" (try --help)`);
  }
  const parsed = parseOptions(first, rest);
  if (!parsed) return { command: 'help' };
  const { values, flags } = parsed;
  const stateDir = values.get('state-dir') ?? null;

  if (first === 'login') {
    const portal = values.get('portal');
    if (!portal) throw new UsageError('login needs --portal URL');
    return {
      command: 'login',
      portal,
      stateDir,
      logLevel: logLevelOf(values, 'warn'),
      openBrowser: !flags.has('no-browser'),
    };
  }
  if (first === 'logout') {
    return { command: 'logout', stateDir, logLevel: logLevelOf(values, 'warn') };
  }
  if (first === 'down') return { command: 'down', logLevel: logLevelOf(values, 'warn') };
  if (flags.has('kill-switch') && flags.has('no-kill-switch')) {
    throw new UsageError('--kill-switch and --no-kill-switch contradict each other');
  }
  if (flags.has('allow-lan') && flags.has('no-kill-switch')) {
    throw new UsageError('--allow-lan only applies with the kill switch');
  }

  const config = values.get('config') ?? null;
  const portal = values.get('portal') ?? null;
  if (config === null && portal === null)
    throw new UsageError('up needs --config FILE or --portal URL');
  if (config !== null && portal !== null) {
    throw new UsageError('up takes either --config FILE or --portal URL, not both');
  }
  if (config !== null && stateDir !== null) {
    throw new UsageError('--state-dir only applies with --portal');
  }
  const ifname = values.get('ifname') ?? null;
  if (ifname !== null && !IFNAME.test(ifname)) {
    throw new UsageError(`bad --ifname "${ifname}": 1-15 letters, digits, "_", "." or "-"`);
  }
  const workers = values.get('crypto-workers');
  const cryptoWorkers = workers === undefined ? null : count(workers, '--crypto-workers', 64);
  const interval = values.get('stats-interval');
  const statsIntervalSeconds =
    interval === undefined ? 60 : count(interval, '--stats-interval', 86_400);
  return {
    command: 'up',
    config,
    portal,
    stateDir,
    ifname,
    logLevel: logLevelOf(values, 'info'),
    logFile: values.get('log-file') ?? null,
    gso: !flags.has('no-gso'),
    nativeDataPath: !flags.has('js-data-path'),
    cryptoWorkers,
    statsIntervalSeconds,
    killSwitch: flags.has('kill-switch') ? true : flags.has('no-kill-switch') ? false : null,
    allowLan: flags.has('allow-lan'),
  };
}

function count(text: string, option: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`bad ${option} "${text}": a whole number from 0 to ${max}`);
  }
  return Number(text);
}
