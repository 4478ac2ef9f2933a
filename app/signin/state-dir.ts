/**
 * Where the CLI keeps its session: $XDG_CONFIG_HOME/slipstream, else
 * ~/.config/slipstream (%APPDATA%\Slipstream on Windows). Under sudo, the
 * invoking user's directory, so `slipstream login` as the user and
 * `sudo slipstream up --portal URL` (which needs root for the tunnel) share one
 * session.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The home directory of `user` from /etc/passwd; null when not found. */
function passwdHome(user: string): string | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === user && fields[5]) return fields[5];
    }
  } catch {
    // No readable passwd file: fall back to this process's own home.
  }
  return null;
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') {
    const base = env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming');
    return path.join(base, 'Slipstream');
  }
  const sudoUser = env.SUDO_USER;
  if (process.getuid?.() === 0 && sudoUser && sudoUser !== 'root') {
    const home = passwdHome(sudoUser);
    if (home) return path.join(home, '.config', 'slipstream');
  }
  const xdg = env.XDG_CONFIG_HOME;
  // XDG says relative values are invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'slipstream');
  return path.join(os.homedir(), '.config', 'slipstream');
}
