/**
 * The logger sign-in needs: the app's Logger plus addSecret, so every token and
 * key is registered for scrubbing the moment it exists. RootLogger fits.
 */
import type { Logger } from '../log/logger.js';
import type { StoredSession } from './stored-session.js';

export interface SigninLogger extends Logger {
  addSecret(secret: string): void;
}

/** Registers every secret a stored session holds. */
export function addSessionSecrets(log: SigninLogger, session: StoredSession): void {
  log.addSecret(session.tokens.access);
  log.addSecret(session.tokens.refresh);
  log.addSecret(session.privateKey);
}
