/**
 * The CLI's way to send the user to the sign-in page: always print the
 * address (a headless machine or an SSH session has no browser to open), then
 * try the desktop's opener. Opening is best effort and never fails the sign-in.
 */
import { spawn } from 'node:child_process';

function opener(url: string): { command: string; args: string[]; verbatim: boolean } | null {
  switch (process.platform) {
    case 'win32':
      // `start` is a cmd built-in; the empty title stops it from taking the URL as
      // the window title. Inside quotes cmd does not interpret "&".
      return { command: 'cmd', args: ['/c', 'start', '""', `"${url}"`], verbatim: true };
    case 'darwin':
      return { command: 'open', args: [url], verbatim: false };
    default:
      // Root's browser would run with root's rights (and chromium refuses to).
      if (process.getuid?.() === 0) return null;
      if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
      return { command: 'xdg-open', args: [url], verbatim: false };
  }
}

export function cliOpenBrowser(
  out: NodeJS.WritableStream = process.stdout,
  tryToOpen = true,
): (url: string) => Promise<void> {
  return async (url) => {
    out.write(`To sign in, open this address in your browser:\n\n  ${url}\n\n`);
    const how = tryToOpen ? opener(url) : null;
    if (!how) return;
    try {
      const child = spawn(how.command, how.args, {
        stdio: 'ignore',
        detached: true,
        windowsVerbatimArguments: how.verbatim,
      });
      child.on('error', () => undefined);
      child.unref();
    } catch {
      // No opener installed: the printed address is enough.
    }
  };
}
