/** The helper's command line; every option is required except the interface name and level. */
import { parseLogLevel, type LogLevel } from '../log/logger.js';

export interface HelperArgs {
  socket: string;
  uid: number;
  gid: number;
  stateDir: string;
  logDir: string;
  ifname: string | null;
  logLevel: LogLevel;
}

const USAGE =
  'usage: slipstream-helper --socket PATH --uid N --gid N --state-dir DIR --log-dir DIR [--ifname NAME] [--log-level LEVEL]';

export function parseHelperArgs(argv: readonly string[]): HelperArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new Error(USAGE);
    values.set(key.slice(2), value);
  }
  const required = (name: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`missing --${name}\n${USAGE}`);
    return v;
  };
  const id = (name: string) => {
    const n = Number(required(name));
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_fffe)
      throw new Error(`--${name}: not a user id`);
    return n;
  };
  for (const key of values.keys()) {
    if (!['socket', 'uid', 'gid', 'state-dir', 'log-dir', 'ifname', 'log-level'].includes(key))
      throw new Error(`unknown option --${key}\n${USAGE}`);
  }
  return {
    socket: required('socket'),
    uid: id('uid'),
    gid: id('gid'),
    stateDir: required('state-dir'),
    logDir: required('log-dir'),
    ifname: values.get('ifname') ?? null,
    logLevel: parseLogLevel(values.get('log-level') ?? 'info'),
  };
}
