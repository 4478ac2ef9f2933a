/**
 * `slipstream up`: runs a tunnel in the foreground until SIGINT/SIGTERM (see
 * run-tunnel.ts). The configuration comes from a wg-quick file (--config) or
 * from the portal session made by `slipstream login` (--portal, in
 * portal-up.ts); both end in runTunnel with a parsed WgQuickConfig.
 */
import { loadWgQuickFile } from '../config/load.js';
import type { UpCommand } from './args.js';
import { createCliLogger } from './logging.js';
import { runPortalUp } from './portal-up.js';
import { runTunnel } from './run-tunnel.js';
import { Interrupted, throwIfInterrupted, type Shutdown } from './shutdown.js';

/** `shutdown.signal` aborts on the first signal (shutdown.ts), at any point of start-up or later. */
export async function runUp(cmd: UpCommand, shutdown: Shutdown): Promise<number> {
  try {
    return await (cmd.portal !== null
      ? runPortalUp(cmd, cmd.portal, shutdown)
      : runConfigUp(cmd, shutdown));
  } catch (err) {
    // A stop asked for before the tunnel was up is a normal way for `up` to end.
    if (!(err instanceof Interrupted)) throw err;
    process.stderr.write(`slipstream: stopped by ${err.by} before the tunnel was up\n`);
    return 0;
  }
}

async function runConfigUp(cmd: UpCommand, shutdown: Shutdown): Promise<number> {
  if (cmd.config === null) throw new Error('up needs --config FILE or --portal URL');
  const config = await loadWgQuickFile(cmd.config);
  throwIfInterrupted(shutdown.signal);
  const log = createCliLogger(cmd);
  for (const w of config.warnings) log.warn(w.message, { file: w.file, line: w.line });
  return runTunnel(config, cmd, log, shutdown);
}
