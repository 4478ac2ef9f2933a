/**
 * Replaces a file so that readers (and a crash) see the old contents or the
 * new, never a torn mix: write a uniquely named temporary file next to it
 * (created exclusively, with the final mode), fsync, rename over. Unique
 * names let concurrent writers of the same file not trip over each other;
 * the last rename wins.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { mode?: number; beforeRename?: (temp: string) => Promise<void> } = {},
): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await options.beforeRename?.(temp);
    await rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
