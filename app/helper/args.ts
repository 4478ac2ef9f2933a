/**
 * The helper's command line; every option is required except the interface name and level.
 * The served user is --uid/--gid on Linux and --user-sid on Windows, where the control
 * pipe's path follows from the SID (pipePathForSid) and cannot be chosen.
 *
 * On Windows the service runs as SYSTEM and any interactive user may start it with
 * arguments of their choosing (installer.nsh grants start to IU), so whatever turns the
 * service's start arguments into these must take only --user-sid from them and fix the
 * state and log directories itself.
 */
import { parseLogLevel, type LogLevel } from '../log/logger.js';
import { isUserAccountSid, pipePathForSid } from './windows-pipe.js';

interface CommonArgs {
  socket: string;
  stateDir: string;
  logDir: string;
  ifname: string | null;
  logLevel: LogLevel;
}

export type HelperArgs = CommonArgs & ({ uid: number; gid: number } | { userSid: string });

const USAGE =
  'usage: slipstream-helper --socket PATH --uid N --gid N --state-dir DIR --log-dir DIR [--ifname NAME] [--log-level LEVEL]';
const WINDOWS_USAGE =
  'usage: slipstream-helper --user-sid SID --state-dir DIR --log-dir DIR [--ifname NAME] [--log-level LEVEL]';

export function parseHelperArgs(
  argv: readonly string[],
  platform: NodeJS.Platform = process.platform,
): HelperArgs {
  const windows = platform === 'win32';
  const usage = windows ? WINDOWS_USAGE : USAGE;
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new Error(usage);
    values.set(key.slice(2), value);
  }
  const required = (name: string) => {
    const v = values.get(name);
    if (!v) throw new Error(`missing --${name}\n${usage}`);
    return v;
  };
  const id = (name: string) => {
    const n = Number(required(name));
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_fffe)
      throw new Error(`--${name}: not a user id`);
    return n;
  };
  const known = ['state-dir', 'log-dir', 'ifname', 'log-level'];
  known.push(...(windows ? ['user-sid'] : ['socket', 'uid', 'gid']));
  for (const key of values.keys()) {
    if (!known.includes(key)) throw new Error(`unknown option --${key}\n${usage}`);
  }
  const common = {
    stateDir: required('state-dir'),
    logDir: required('log-dir'),
    ifname: values.get('ifname') ?? null,
    logLevel: parseLogLevel(values.get('log-level') ?? 'info'),
  };
  if (windows) {
    const userSid = required('user-sid');
    if (!isUserAccountSid(userSid)) throw new Error('--user-sid: not the SID of a user account');
    return { socket: pipePathForSid(userSid), userSid, ...common };
  }
  return { socket: required('socket'), uid: id('uid'), gid: id('gid'), ...common };
}
