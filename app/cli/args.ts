/**
 * Command-line parsing for `slipstream`. Pure: argv in, a command or a usage
 * error out, so every path is unit-tested without spawning processes.
 */
import { parseLogLevel, type LogLevel } from '../log/logger.js';

export interface UpCommand {
  command: 'up';
  config: string;
  ifname: string | null;
  logLevel: LogLevel;
  logFile: string | null;
  /** False with --no-gso: send batches with sendmmsg instead of UDP GSO. */
  gso: boolean;
  /** --crypto-workers N; null = one per core but one. */
  cryptoWorkers: number | null;
  /** --stats-interval SECONDS; how often counters are logged (0 = only at exit). */
  statsIntervalSeconds: number;
}

export type CliCommand = UpCommand | { command: 'help' } | { command: 'version' };

export class UsageError extends Error {}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export const HELP = `slipstream: a WireGuard client with a batched, GSO-accelerated data path

Usage:
  slipstream up --config FILE [--ifname NAME] [--log-level LEVEL] [--log-file FILE]
                [--no-gso] [--crypto-workers N] [--stats-interval SECONDS]
  slipstream --help | --version

Commands:
  up            bring up a tunnel from a wg-quick .conf file and keep it up
                until Ctrl-C or SIGTERM, which remove everything it configured

Options:
  --config FILE     wg-quick configuration ([Interface] and [Peer] sections)
  --ifname NAME     tunnel interface name (default: the kernel picks tunN)
  --log-level LEVEL error | warn | info | debug | trace (default: info)
  --log-file FILE   also append JSONL logs to FILE (rotated by size)
  --no-gso          send batches with sendmmsg instead of UDP GSO (for comparison)
  --crypto-workers N  threads for encryption and decryption; 0 = main thread
                    (default: one per CPU core but one, at least 1)
  --stats-interval SECONDS  log counters this often (default 60; 0 = only at exit)

Logs are JSONL on stderr: one object per line with time, level, target and
message. Needs root or CAP_NET_ADMIN.`;

/** Splits `--key=value` and `--key value`; rejects unknown or repeated options. */
export function parseArgs(argv: readonly string[]): CliCommand {
  if (argv.length === 0) throw new UsageError('missing command (try --help)');
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-V') return { command: 'version' };
  if (first !== 'up') throw new UsageError(`unknown command "${first}" (try --help)`);

  const values = new Map<string, string>();
  let gso = true;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    if (arg === '--no-gso') {
      gso = false;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (
      !['config', 'ifname', 'log-level', 'log-file', 'crypto-workers', 'stats-interval'].includes(
        name,
      )
    ) {
      throw new UsageError(`unknown option --${name} (try --help)`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = rest[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, value);
  }

  const config = values.get('config');
  if (!config) throw new UsageError('up needs --config FILE');
  const ifname = values.get('ifname') ?? null;
  if (ifname !== null && !IFNAME.test(ifname)) {
    throw new UsageError(`bad --ifname "${ifname}": 1-15 letters, digits, "_", "." or "-"`);
  }
  let logLevel: LogLevel = 'info';
  const level = values.get('log-level');
  if (level !== undefined) {
    try {
      logLevel = parseLogLevel(level);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const workers = values.get('crypto-workers');
  const cryptoWorkers = workers === undefined ? null : count(workers, '--crypto-workers', 64);
  const interval = values.get('stats-interval');
  const statsIntervalSeconds =
    interval === undefined ? 60 : count(interval, '--stats-interval', 86_400);
  return {
    command: 'up',
    config,
    ifname,
    logLevel,
    logFile: values.get('log-file') ?? null,
    gso,
    cryptoWorkers,
    statsIntervalSeconds,
  };
}

function count(text: string, option: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new UsageError(`bad ${option} "${text}": a whole number from 0 to ${max}`);
  }
  return Number(text);
}
