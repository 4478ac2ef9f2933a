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

export async function runUp(cmd: UpCommand): Promise<number> {
  if (cmd.portal !== null) return runPortalUp(cmd, cmd.portal);
  if (cmd.config === null) throw new Error('up needs --config FILE or --portal URL');
  const config = await loadWgQuickFile(cmd.config);
  const log = createCliLogger(cmd);
  for (const w of config.warnings) log.warn(w.message, { file: w.file, line: w.line });
  return runTunnel(config, cmd, log);
}
