/**
 * Where each process writes its JSONL log (issue 4 §6): the OS's per-user
 * state location. Pure: the platform and environment are passed in.
 */
import path from 'node:path';

export function logDirectory(
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): string {
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(base, 'Slipstream', 'logs');
  }
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  const state =
    env.XDG_STATE_HOME && path.posix.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.posix.join(home, '.local', 'state');
  return path.posix.join(state, 'slipstream', 'logs');
}

/** One file per process: main.jsonl, helper.jsonl, cli.jsonl. */
export function logFile(
  dir: string,
  process: 'main' | 'helper' | 'cli',
  platform: NodeJS.Platform,
): string {
  return (platform === 'win32' ? path.win32 : path.posix).join(dir, `${process}.jsonl`);
}
