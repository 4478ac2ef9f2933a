/**
 * This boot's id (Linux: /proc/sys/kernel/random/boot_id), which tells a
 * helper restart from a reboot; null where there is none (then nothing is
 * resumed, see startup-store.ts).
 */
import { readFile } from 'node:fs/promises';

export async function currentBootId(
  file = '/proc/sys/kernel/random/boot_id',
): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const id = (await readFile(file, 'utf8')).trim();
    return /^[0-9a-f-]{1,64}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}
