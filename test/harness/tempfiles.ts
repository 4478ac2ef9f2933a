// Private temporary files: keys and configs are handed to tools through 0600 files in 0700
// directories (never on a command line, where any user could read them from /proc).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerCleanup } from './cleanup.js';

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it. Idempotent. */
  remove(): void;
}

/** A fresh 0700 directory under the system temp dir, removed at cleanupAll / process exit. */
export function makeTempDir(prefix = 'ss-harness-'): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  const unregister = registerCleanup({
    label: `temp dir ${dir}`,
    run: async () => removeNow(),
    runSync: removeNow,
  });
  return {
    path: dir,
    remove() {
      removeNow();
      unregister();
    },
  };
}

/** Writes `contents` to `dir/name` readable by its owner only; returns the path. */
export function writePrivateFile(dir: string, name: string, contents: string): string {
  if (name.includes('/') || name === '' || name === '.' || name === '..') {
    throw new Error(`invalid file name ${JSON.stringify(name)}`);
  }
  const file = path.join(dir, name);
  // mode applies only at creation; a pre-existing file is removed so it cannot stay wider.
  rmSync(file, { force: true });
  writeFileSync(file, contents, { mode: 0o600, flag: 'wx' });
  return file;
}

/** Runs `fn` with the path of a 0600 file holding `secret`, and deletes it afterwards. */
export async function withSecretFile<T>(
  secret: string,
  fn: (file: string) => Promise<T>,
): Promise<T> {
  const dir = makeTempDir('ss-secret-');
  try {
    return await fn(writePrivateFile(dir.path, 'secret', `${secret}\n`));
  } finally {
    dir.remove();
  }
}
