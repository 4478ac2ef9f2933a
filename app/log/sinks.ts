/**
 * Where log lines go. A sink receives one JSON line (without the newline) per
 * call; it may throw, and the logger turns that into a one-time notice instead
 * of an exception in the caller.
 */
import {
  closeSync,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export interface LogSink {
  /** Writes one line; `line` has no trailing newline. */
  write(line: string): void;
  /** Resolves once everything written so far has been handed to the OS. */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}

export interface FileSinkOptions {
  /** Rotate before a write would make the file larger than this. Default 10 MiB. */
  maxBytes?: number;
  /** How many rotated files (`path.1` newest .. `path.N` oldest) to keep. Default 5. */
  maxFiles?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const DEFAULT_MAX_FILES = 5;
const STREAM_FLUSH_TIMEOUT_MS = 2000;

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
    // mkdir -p reports a file in the way of a directory as EEXIST.
    case 'EEXIST':
      return 'a parent is not a directory';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return e.code ?? e.message;
  }
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`log file ${name} must be an integer of at least ${min}`);
  }
}

/**
 * Appends lines to `path` (created 0600, parent directories 0700), rotating by
 * size. Writes are synchronous: log volume is low, and a synchronous write is
 * on disk even if the process exits right after. Throws a short Error when the
 * file cannot be opened, so a bad --log-file is reported at start-up.
 */
export function fileSink(path: string, options: FileSinkOptions = {}): LogSink {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  checkCount('maxBytes', maxBytes, 1);
  checkCount('maxFiles', maxFiles, 0);

  const openLog = (): number => {
    const fd = openSync(path, 'a', 0o600);
    try {
      // Logs name peers and addresses; other local users have no business reading them.
      fchmodSync(fd, 0o600);
    } catch {
      // Not our file (e.g. shared with another user): keep its permissions.
    }
    return fd;
  };

  let fd: number | null;
  let size: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openLog();
    size = fstatSync(fd).size;
  } catch (err) {
    throw new Error(`cannot open log file ${path}: ${describeFsError(err)}`);
  }

  const rotate = (): void => {
    if (fd === null) return;
    closeSync(fd);
    fd = null;
    if (maxFiles === 0) {
      rmSync(path, { force: true });
    } else {
      rmSync(`${path}.${maxFiles}`, { force: true });
      for (let i = maxFiles - 1; i >= 1; i--) {
        try {
          renameSync(`${path}.${i}`, `${path}.${i + 1}`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      renameSync(path, `${path}.1`);
    }
  };

  let closed = false;
  return {
    write(line: string): void {
      if (closed) throw new Error('log file already closed');
      const data = Buffer.from(`${line}\n`, 'utf8');
      let rotationError: unknown = null;
      if (fd === null || (size > 0 && size + data.length > maxBytes)) {
        try {
          rotate();
        } catch (err) {
          rotationError = err;
        }
        // Even when rotation failed, the line still goes somewhere: the current file.
        fd ??= openLog();
        size = fstatSync(fd).size;
      }
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset);
      size += data.length;
      if (rotationError) throw rotationError;
    },
    flush(): Promise<void> {
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      if (fd !== null) closeSync(fd);
      fd = null;
      return Promise.resolve();
    },
  };
}

/** Writes lines to a stream such as process.stderr. */
export function streamSink(stream: NodeJS.WritableStream): LogSink {
  let failure: Error | null = null;
  // Without a listener, an asynchronous write error (EPIPE) would crash the process.
  stream.on('error', (err: Error) => {
    failure ??= err;
  });
  return {
    write(line: string): void {
      if (failure) throw failure;
      stream.write(`${line}\n`);
    },
    flush(): Promise<void> {
      if (failure) return Promise.resolve();
      return new Promise((resolve) => {
        // A reader that never drains the pipe must not hang shutdown.
        const timer = setTimeout(resolve, STREAM_FLUSH_TIMEOUT_MS);
        timer.unref();
        stream.write('', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
