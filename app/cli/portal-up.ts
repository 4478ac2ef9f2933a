/**
 * `slipstream up --portal URL`: the tunnel of the session `slipstream login`
 * saved. Before the tunnel starts, the token is refreshed if due and the device
 * is read again (a device removed on the portal stops here). While the tunnel
 * is up, the PortalSession keeps the token fresh and polls the device; when the
 * session ends (expired, removed, forbidden) the tunnel goes down and the exit
 * status is 1. A portal or provider that is merely unreachable does not stop
 * the tunnel: the WireGuard keys work without it.
 */
import { normalisePortalUrl } from '../signin/portal-config.js';
import { PortalSession } from '../signin/portal-session.js';
import type { UpCommand } from './args.js';
import { createCliLogger } from './logging.js';
import { runTunnel } from './run-tunnel.js';
import { throwIfInterrupted, type Shutdown } from './shutdown.js';
import { CliError, cliStore, loadSessionFor } from './session-file.js';

export async function runPortalUp(
  cmd: UpCommand,
  portalText: string,
  shutdown: Shutdown,
): Promise<number> {
  const portalUrl = normalisePortalUrl(portalText);
  const store = cliStore(cmd.stateDir);
  const stored = await loadSessionFor(store, portalUrl, cmd.stateDir);
  const log = createCliLogger(cmd);
  const session = new PortalSession(stored, { log: log, store });

  for (const step of [() => session.refreshIfNeeded(), () => session.checkDevice()]) {
    // Not abandoned half-way on a signal: a token refresh must be saved once the provider
    // has rotated it. Each step is bounded by the HTTP timeouts.
    try {
      await step();
    } catch (err) {
      // Only an ended session stops here; anything else is worth a try with what we have.
      if (session.ended) throw new CliError((err as Error).message);
      log.warn('could not reach the portal; using the saved settings', {
        error: (err as Error).message,
      });
    }
    throwIfInterrupted(shutdown.signal);
  }

  const config = session.config();
  for (const w of config.warnings) log.warn(w.message, { file: w.file, line: w.line });
  log.info('portal session', {
    portal: portalUrl,
    account: stored.account.sub,
    device: stored.device.id,
  });
  try {
    return await runTunnel(config, cmd, log, shutdown, (control) => {
      session.on('ended', (reason, message) => {
        process.stderr.write(`slipstream: ${message}\n`);
        control.stop(`session ${reason}`, 1);
      });
      session.start();
    });
  } finally {
    session.stop();
  }
}
