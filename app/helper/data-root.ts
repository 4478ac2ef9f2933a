/**
 * %ProgramData%\Slipstream as the installer leaves it: a directory created in one
 * step with a protected DACL for SYSTEM and Administrators only
 * (SERVICE_DIRECTORY_SDDL, through the addon's ensureSecureDirectory:
 * CreateDirectoryW with the descriptor, so there is no moment with
 * %ProgramData%'s inherited ACL that lets every user create files inside). When
 * something is there already that the service would refuse (a directory a user
 * created first, a junction, a file), it is renamed aside, never opened or
 * followed, and a fresh directory made in its place; a directory owned by the
 * system just gets the DACL again. The renamed one is left for an administrator
 * to look at: a user planted it, or an older install made it.
 */
import { renameSync } from 'node:fs';
import { SERVICE_DIRECTORY_SDDL } from './service-start.js';

export type EnsureSecureDirectory = (dir: string, sddl: string) => void;

/** ensureSecureDirectory's refusals of what exists (service.cc's messages). */
const UNTRUSTED = /not to the system|is not a plain directory/;

export interface DataRootResult {
  root: string;
  /** Where an untrusted earlier directory (or link, or file) was moved, if any. */
  movedAside: string | null;
}

export function prepareDataRoot(
  ensure: EnsureSecureDirectory,
  root: string,
  now: Date = new Date(),
  rename: (from: string, to: string) => void = renameSync,
): DataRootResult {
  try {
    ensure(root, SERVICE_DIRECTORY_SDDL);
    return { root, movedAside: null };
  } catch (err) {
    if (!UNTRUSTED.test((err as Error).message)) throw err;
  }
  // A rename moves the entry itself (a junction stays a junction, not followed).
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = `${root}.untrusted-${stamp}`;
  rename(root, aside);
  ensure(root, SERVICE_DIRECTORY_SDDL);
  return { root, movedAside: aside };
}
