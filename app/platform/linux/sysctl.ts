/**
 * Reads and writes kernel parameters through /proc/sys. Network parameters
 * there belong to the reading process's network namespace, so a tunnel in a
 * namespace changes only that namespace's settings.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const PROC_SYS = '/proc/sys';

const KEY = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export function sysctlPath(key: string, root: string = PROC_SYS): string {
  // Keys with other characters (interface names may contain '.') would map
  // to the wrong file; only the fixed keys this module needs are accepted.
  if (!KEY.test(key)) throw new Error(`unsupported sysctl key "${key}"`);
  return path.join(root, ...key.split('.'));
}

export async function readSysctl(key: string, root?: string): Promise<string> {
  try {
    return (await fs.readFile(sysctlPath(key, root), 'utf8')).trim();
  } catch (err) {
    throw new Error(`cannot read ${key}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export async function writeSysctl(key: string, value: string, root?: string): Promise<void> {
  try {
    await fs.writeFile(sysctlPath(key, root), `${value}\n`);
  } catch (err) {
    throw new Error(`cannot set ${key}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
