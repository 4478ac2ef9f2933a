/**
 * `slipstream logout`: removes this device from the portal, revokes the
 * sign-in at the provider and deletes the saved session. The local secrets go
 * whatever happens remotely; what could not be done remotely is said, and the
 * exit status is 0 once nothing secret is left on this machine.
 */
import { SessionStoreError } from '../signin/errors.js';
import { PortalSession } from '../signin/portal-session.js';
import type { StoredSession } from '../signin/stored-session.js';
import type { LogoutCommand } from './args.js';
import { createCliLogger } from './logging.js';
import { cliStore } from './session-file.js';

export async function runLogout(cmd: LogoutCommand): Promise<number> {
  const log = createCliLogger(cmd);
  const store = cliStore(cmd.stateDir);
  let stored: StoredSession | null;
  try {
    stored = await store.load();
  } catch (err) {
    if (!(err instanceof SessionStoreError)) throw err;
    await store.clear();
    process.stdout.write(
      'The saved sign-in was damaged and has been deleted; if this device is still listed on the portal, remove it there.\n',
    );
    return 0;
  }
  if (!stored) {
    process.stdout.write('Not signed in.\n');
    return 0;
  }
  const report = await new PortalSession(stored, { log, store }).signOut();
  await log.flush();
  for (const problem of report.problems) process.stderr.write(`slipstream: ${problem}\n`);
  if (!report.wiped) return 1;
  process.stdout.write(
    report.problems.length === 0
      ? `Signed out of ${stored.portalUrl}; this device was removed.\n`
      : `Signed out on this device: the saved session and keys were deleted.\n`,
  );
  return 0;
}
