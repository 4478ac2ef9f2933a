#!/usr/bin/env node
/**
 * The privileged helper: owns the native addon, the tunnel and the profiles,
 * and answers one local user over a Unix socket (a named pipe on Windows;
 * control-server.ts).
 *
 *   node dist/app/helper/main.js --socket PATH --uid N --gid N
 *        --state-dir DIR --log-dir DIR [--ifname NAME] [--log-level LEVEL]
 *   (Windows: --user-sid SID instead of --socket, --uid and --gid)
 *
 * Run by the systemd unit (deb), by pkexec (AppImage, development) or, when
 * the GUI already has CAP_NET_ADMIN (tests, root), as the GUI's child. It
 * keeps running when the GUI goes away: the tunnel stays up until told
 * otherwise. SIGTERM/SIGINT take the tunnel down and remove the socket (SIGINT as a
 * disconnect; SIGTERM keeps a wanted tunnel's kill switch and resumes it next start).
 * The helper itself is run.ts, shared with the Windows service.
 */
import { parseHelperArgs } from './args.js';
import { runHelper } from './run.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseHelperArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`slipstream-helper: ${(err as Error).message}\n`);
    return 2;
  }
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort('SIGTERM'));
  process.on('SIGINT', () => stop.abort('SIGINT'));
  return runHelper(args, { stopSignal: stop.signal });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`slipstream-helper: ${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
