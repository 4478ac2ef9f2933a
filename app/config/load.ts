/**
 * Reads a wg-quick file from disk with the checks a parser cannot do: size
 * cap, binary detection, readable errors for missing or unreadable files, and
 * wg-quick's warning when the file (which holds a private key) is world
 * accessible.
 */
import { open, stat } from 'node:fs/promises';
import { ConfigError } from './errors.js';
import { parseWgQuick } from './parse.js';
import type { WgQuickConfig } from './types.js';

export const MAX_CONFIG_BYTES = 1024 * 1024;

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return code ?? 'unknown error';
  }
}

async function readCapped(path: string): Promise<{ bytes: Uint8Array; mode: number }> {
  // stat first: opening a FIFO for reading would block until a writer appears.
  const info = await stat(path);
  if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  if (!info.isFile()) throw new ConfigError(path, 0, 'cannot read: not a regular file');
  if (info.size > MAX_CONFIG_BYTES) throw tooLarge(path);
  const handle = await open(path, 'r');
  try {
    // Read one byte past the cap so a file that grew since stat is still caught.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(path);
    }
    return { bytes: buffer.subarray(0, length), mode: info.mode };
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string): ConfigError {
  return new ConfigError(
    path,
    0,
    `file too large (more than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB)`,
  );
}

function decodeText(path: string, bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ConfigError(path, 0, 'file is UTF-16; save it as UTF-8');
  }
  if (bytes.includes(0)) throw new ConfigError(path, 0, 'not a text file (contains NUL bytes)');
  try {
    // The decoder drops a UTF-8 byte order mark, as editors on Windows write one.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(path, 0, 'not a text file (invalid UTF-8)');
  }
}

/** Reads and parses a wg-quick file. Throws ConfigError for every failure, including I/O. */
export async function loadWgQuickFile(path: string): Promise<WgQuickConfig> {
  let file: { bytes: Uint8Array; mode: number };
  try {
    file = await readCapped(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(path, 0, `cannot read: ${describeFsError(err)}`);
  }
  const config = parseWgQuick(decodeText(path, file.bytes), path);
  if (process.platform !== 'win32' && (file.mode & 0o007) !== 0) {
    config.warnings.unshift({
      file: path,
      line: 0,
      message: 'file is accessible by all users, yet holds a private key (chmod 600 fixes this)',
    });
  }
  return config;
}
