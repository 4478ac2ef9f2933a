/**
 * The files that make up one log: `main.jsonl` and what the file sink
 * (sinks.ts) rotated out of it, `main.jsonl.1` (newest) … `main.jsonl.N`
 * (oldest). Files are identified by device and inode, not by name: a rotation
 * renames every file, and the viewer keeps what it learned about each.
 *
 * The helper runs as root and reads its log here, so a file is opened only if
 * it is a regular file reached without a symlink (O_NOFOLLOW, and O_NONBLOCK
 * so a FIFO cannot hang the open), and, when running as root, owned by root:
 * a directory another user can write to must not turn root into a reader of
 * files that user could not read.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Rotated files looked at, newest first: the sink keeps 5; more is somebody else's doing. */
export const MAX_ROTATED = 16;

export interface LogFileEntry {
  /** The name in the log folder, e.g. `main.jsonl.2`. */
  name: string;
  path: string;
  /** `dev:ino`: the same file under any name. */
  identity: string;
  size: number;
}

export interface OpenedLogFile {
  handle: FileHandle;
  identity: string;
  size: number;
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export const identityOf = (st: { dev: number; ino: number }) => `${st.dev}:${st.ino}`;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

function acceptable(st: { isFile(): boolean; uid: number; nlink: number }): boolean {
  if (!st.isFile()) return false;
  const euid = process.geteuid?.();
  // As root, only root's own files, and never a second name of one: a hard link to
  // /etc/shadow is root's too (where protected_hardlinks is off, anyone can make one).
  return euid !== 0 || (st.uid === 0 && st.nlink === 1);
}

/** The rotation number of `name` as a rotated file of `base`, or null. */
function rotationOf(name: string, base: string): number | null {
  if (!name.startsWith(`${base}.`)) return null;
  const suffix = name.slice(base.length + 1);
  return /^[1-9]\d{0,3}$/.test(suffix) ? Number(suffix) : null;
}

/**
 * The files of the log at `basePath`, oldest first (the highest rotation
 * number first, `basePath` itself last). Anything that is not an acceptable
 * regular file is left out; a missing directory is an empty log.
 */
export async function listLogFiles(basePath: string): Promise<LogFileEntry[]> {
  const dir = path.dirname(basePath);
  const base = path.basename(basePath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const rotated = names
    .map((name) => ({ name, n: rotationOf(name, base) }))
    .filter((r): r is { name: string; n: number } => r.n !== null)
    .sort((a, b) => a.n - b.n)
    .slice(0, MAX_ROTATED)
    .reverse()
    .map((r) => r.name);
  if (names.includes(base)) rotated.push(base);
  const out: LogFileEntry[] = [];
  const seen = new Set<string>();
  for (const name of rotated) {
    const full = path.join(dir, name);
    let st;
    try {
      st = await lstat(full);
    } catch (err) {
      // Renamed or removed since readdir (a rotation under way): the next look sees it.
      if (isMissing(err)) continue;
      throw err;
    }
    const identity = identityOf(st);
    // A file seen twice mid-rotation counts once.
    if (!acceptable(st) || seen.has(identity)) continue;
    seen.add(identity);
    out.push({ name, path: full, identity, size: st.size });
  }
  return out;
}

/**
 * Opens `entry` for reading if it is still the file listed (a rename may have
 * put another file at the name since) and still acceptable; null otherwise.
 * Throws when the file may not be read (see isPermissionError).
 */
export async function openLogFile(entry: LogFileEntry): Promise<OpenedLogFile | null> {
  let handle: FileHandle;
  try {
    handle = await open(entry.path, OPEN_FLAGS);
  } catch (err) {
    // ELOOP: a symlink put there since the listing, refused by O_NOFOLLOW.
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (acceptable(st) && identityOf(st) === entry.identity) {
      return { handle, identity: entry.identity, size: st.size };
    }
  } catch {
    // Treated as not there; closed below.
  }
  await handle.close().catch(() => {});
  return null;
}
