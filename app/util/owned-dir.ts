/**
 * Directories a privileged process keeps its own things in (the journal and
 * socket directories under /run/slipstream): created with a given mode, and
 * refused unless they are real directories owned by this process's user and
 * writable by nobody else. An existing directory with another (narrower)
 * mode is set to the expected one, so the CLI and the helper, whichever came
 * first, agree.
 */
import { chmod, lstat, mkdir } from 'node:fs/promises';

/**
 * /run/slipstream and /run/slipstream/<uid>: root's, traversable by all, so
 * the served user reaches its socket (which itself is 0600 and the user's);
 * the journal files in it are 0600.
 */
export const RUNTIME_DIR_MODE = 0o755;

export async function ensureOwnedDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  const info = await lstat(dir);
  if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new Error(`${dir} must belong to this process's user`);
  }
  // Writable by others: whatever is in it may have been planted. Refused, not repaired.
  if ((info.mode & 0o022) !== 0) throw new Error(`${dir} is writable by other users`);
  if ((info.mode & 0o7777) !== mode) await chmod(dir, mode);
}
