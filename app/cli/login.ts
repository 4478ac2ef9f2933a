/**
 * `slipstream login --portal URL`: signs in in the browser, registers this
 * device and saves the session (see app/signin/secret-store.ts for what
 * protects it). A previous session is signed out afterwards, best effort, so
 * its device does not linger on its portal. Ctrl-C cancels the sign-in.
 */
import { signIn } from '../signin/session.js';
import { PortalSession } from '../signin/portal-session.js';
import { MemoryStore } from '../signin/secret-store.js';
import { describeAccount, type StoredSession } from '../signin/stored-session.js';
import type { LoginCommand } from './args.js';
import { createCliLogger } from './logging.js';
import { cliOpenBrowser } from './open-browser.js';
import { cliStore } from './session-file.js';

export async function runLogin(cmd: LoginCommand, stop: AbortSignal): Promise<number> {
  const log = createCliLogger(cmd);
  const store = cliStore(cmd.stateDir);
  // A damaged file is simply replaced by the new session.
  const previous: StoredSession | null = await store.load().catch(() => null);

  // A signal cancels the sign-in (signIn undoes a device it registered); once it has
  // succeeded, the session is saved whatever happens, or the device would be orphaned.
  const session = await signIn(cmd.portal, {
    log,
    openBrowser: cliOpenBrowser(process.stdout, cmd.openBrowser),
    signal: stop,
  });
  await store.save(session);

  if (previous) {
    // Its own throwaway store: the saved file already holds the new session.
    const old = new PortalSession(previous, { log, store: new MemoryStore(previous) });
    const report = await old.signOut();
    for (const problem of report.problems) process.stderr.write(`slipstream: ${problem}\n`);
  }

  process.stdout.write(
    `Signed in to ${session.portalUrl} as ${describeAccount(session.account)}.\n` +
      `This device is registered as "${session.device.name}".\n` +
      `Connect with: sudo slipstream up --portal ${session.portalUrl}` +
      (cmd.stateDir ? ` --state-dir ${cmd.stateDir}` : '') +
      '\n',
  );
  await log.flush();
  return 0;
}
