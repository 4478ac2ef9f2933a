/**
 * The support bundle: a zip of every log in the log directory (`*.jsonl` and
 * the rotated `*.jsonl.N`) plus `about.json` (when, platform, version). Logs
 * are redacted when written (render.ts), so they go in as they are; nothing
 * else is added. Files are read and compressed in chunks and the zip is
 * written as it is produced, so a 200 MB log is never held whole in memory.
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ExportAbout {
  version: string;
  platform: string;
  /** Defaults to now. */
  time?: Date;
}

/**
 * A log that is not a file here but streamed in, e.g. the system helper's log,
 * which only the helper can read and hands over through the IPC schema.
 */
export interface StreamedLog {
  name: string;
  chunks: AsyncIterable<Uint8Array>;
}

const LOG_NAME = /^[^/\\]+\.jsonl(\.\d+)?$/;

/** The log files in `logDir` that belong in an export, sorted by name. */
export async function exportableLogs(logDir: string): Promise<string[]> {
  try {
    const entries = await readdir(logDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && LOG_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Writes the zip to `outPath` (via a temporary file, so a failure leaves nothing half-written). */
export async function exportLogsZip(
  logDir: string,
  outPath: string,
  about: ExportAbout,
  streamed: readonly StreamedLog[] = [],
): Promise<string> {
  await mkdir(path.dirname(outPath), { recursive: true });
  const partial = `${outPath}.partial`;
  const out = await open(partial, 'w', 0o600);
  // Writes are chained in order; the first failure stops the export.
  let writing: Promise<unknown> = Promise.resolve();
  let failure: unknown = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else writing = writing.then(() => out.write(chunk)).catch((e: unknown) => (failure ??= e));
  });
  try {
    const names = await exportableLogs(logDir);
    // Lists the names found; a file rotated away meanwhile is simply missing from the zip.
    const info = {
      time: (about.time ?? new Date()).toISOString(),
      platform: about.platform,
      version: about.version,
      files: [...names, ...streamed.map((s) => s.name)],
    };
    const meta = new ZipPassThrough('about.json');
    zip.add(meta);
    meta.push(Buffer.from(`${JSON.stringify(info, null, 2)}\n`), true);
    for (const name of names) {
      let file;
      try {
        file = await open(path.join(logDir, name), 'r');
      } catch (err) {
        // Rotation may delete the oldest file between the listing and here.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const entry = new ZipDeflate(name, { level: 6 });
      zip.add(entry);
      // Small chunks: each is compressed synchronously on the caller's event loop.
      for await (const chunk of file.createReadStream({ highWaterMark: 256 * 1024 })) {
        entry.push(chunk as Buffer, false);
        // Let the file catch up, so compressed output does not pile up in memory.
        await writing;
        if (failure) throw failure;
      }
      entry.push(new Uint8Array(0), true);
    }
    for (const log of streamed) {
      const entry = new ZipDeflate(log.name, { level: 6 });
      zip.add(entry);
      for await (const chunk of log.chunks) {
        entry.push(chunk, false);
        await writing;
        if (failure) throw failure;
      }
      entry.push(new Uint8Array(0), true);
    }
    zip.end();
    await writing;
    if (failure) throw failure;
    await out.close();
    await rename(partial, outPath);
    return outPath;
  } catch (err) {
    zip.terminate();
    await out.close().catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}
