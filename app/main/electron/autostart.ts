/**
 * Start at login on Linux: an XDG autostart entry
 * (~/.config/autostart/slipstream.desktop, the freedesktop "Desktop
 * Application Autostart" spec), since Electron's setLoginItemSettings only
 * works on macOS and Windows. Plain Node (no Electron), so it is unit-tested.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const AUTOSTART_FILE = 'slipstream.desktop';

/**
 * Quotes one Exec argument per the Desktop Entry spec: arguments with
 * reserved characters go in double quotes, where `"`, `` ` ``, `$` and `\`
 * are backslash-escaped; then, as in every string value, `\` is escaped again,
 * and a literal `%` is `%%` (field codes).
 */
export function quoteExecArg(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error('an Exec argument cannot contain a line break');
  const reserved = /[\s"'\\><~|&;$*?#()`]/.test(arg) || arg === '';
  const quoted = reserved ? `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"` : arg;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** The .desktop text: starts the app hidden in the tray (`--hidden`). */
export function autostartDesktopEntry(options: { exec: string; args?: string[] }): string {
  const exec = [options.exec, ...(options.args ?? ['--hidden'])].map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Slipstream',
    'Comment=WireGuard VPN',
    `Exec=${exec}`,
    'Icon=slipstream',
    'Terminal=false',
    'Categories=Network;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** $XDG_CONFIG_HOME/autostart, falling back to ~/.config as the spec says. */
export function autostartDir(env: NodeJS.ProcessEnv, home: string): string {
  const configHome = env.XDG_CONFIG_HOME;
  // The spec ignores relative values.
  const base = configHome && path.isAbsolute(configHome) ? configHome : path.join(home, '.config');
  return path.join(base, 'autostart');
}

/** Writes or removes the entry; removing one that is not there is fine. */
export async function setLinuxAutostart(
  enabled: boolean,
  options: { dir: string; exec: string; args?: string[] },
): Promise<void> {
  const file = path.join(options.dir, AUTOSTART_FILE);
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(options.dir, { recursive: true });
  await writeFile(file, autostartDesktopEntry(options), { mode: 0o644 });
}

/**
 * The command that starts this install again. An AppImage runs from a
 * temporary mount, so its entry must name the .AppImage file itself
 * ($APPIMAGE, set by the AppImage runtime), not the mounted executable.
 */
export function launchCommand(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE && path.isAbsolute(env.APPIMAGE) ? env.APPIMAGE : execPath;
}
