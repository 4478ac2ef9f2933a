/**
 * Loading the CLI's saved session for a command, with the messages the user
 * needs when there is none, it belongs to another portal, or it is damaged.
 */
import { EncryptedFileStore } from '../signin/secret-store.js';
import { SessionStoreError } from '../signin/errors.js';
import { defaultStateDir } from '../signin/state-dir.js';
import type { StoredSession } from '../signin/stored-session.js';

export function cliStore(stateDir: string | null): EncryptedFileStore {
  return new EncryptedFileStore(stateDir ?? defaultStateDir());
}

/** An error whose message is the whole story for the user. */
export class CliError extends Error {}

function loginHint(portalUrl: string, stateDir: string | null): string {
  const dir = stateDir === null ? '' : ` --state-dir ${stateDir}`;
  return `Run: slipstream login --portal ${portalUrl}${dir}`;
}

/** The session for `portalUrl`, or a CliError telling the user to sign in. */
export async function loadSessionFor(
  store: EncryptedFileStore,
  portalUrl: string,
  stateDir: string | null,
): Promise<StoredSession> {
  let session: StoredSession | null;
  try {
    session = await store.load();
  } catch (err) {
    if (err instanceof SessionStoreError) {
      throw new CliError(`${err.message} ${loginHint(portalUrl, stateDir)}`);
    }
    throw err;
  }
  if (!session || session.portalUrl !== portalUrl) {
    throw new CliError(`Not signed in to ${portalUrl}. ${loginHint(portalUrl, stateDir)}`);
  }
  return session;
}
