/**
 * Build step of the Windows package: puts wintun.dll (amd64 and arm64) and
 * Wintun's licence into build/wintun/<arch>/, from where electron-builder
 * copies them into the NSIS build's resources\wintun. The input is the
 * official Wintun release zip, given at build time in $SLIPSTREAM_WINTUN_ZIP
 * and checked against its pinned SHA-256; nothing is downloaded. Wintun may
 * be redistributed only unmodified, so the files are copied byte for byte.
 *
 *   SLIPSTREAM_WINTUN_ZIP=/path/to/wintun-0.14.1.zip node dist/app/packaging/windows/stage-wintun.js
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

export const WINTUN_VERSION = '0.14.1';
/** SHA-256 of https://www.wintun.net/builds/wintun-0.14.1.zip. */
export const WINTUN_ZIP_SHA256 = '07c256185d6ee3652e09fa55c0b673e2624b565e02c4b9091c79ca7d2f24ef51';

/** electron-builder arch name → directory in the Wintun zip. */
export const WINTUN_ARCHES = { x64: 'amd64', arm64: 'arm64' } as const;

const MAX_ZIP = 64 * 1024 * 1024;

/** The named entries of a zip file (stored or deflated), by a minimal central-directory reader. */
export function readZipEntries(zip: Buffer, wanted: readonly string[]): Map<string, Buffer> {
  // End of central directory: the last PK\5\6 within the final 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) {
      throw new Error('damaged zip central directory');
    }
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (!wanted.includes(name)) continue;
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) {
      throw new Error(`damaged zip entry ${name}`);
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (!data || data.length !== size) throw new Error(`cannot extract zip entry ${name}`);
    out.set(name, data);
  }
  return out;
}

export interface StageOptions {
  /** The Wintun release zip; undefined = not provided. */
  zipPath: string | undefined;
  /** Where <arch>/wintun.dll and <arch>/LICENSE.txt go (build/wintun). */
  outDir: string;
  /** The pinned hash (tests substitute their own). */
  sha256?: string;
}

export interface StagedWintun {
  arch: keyof typeof WINTUN_ARCHES;
  dll: string;
  sha256: string;
}

export async function stageWintun(options: StageOptions): Promise<StagedWintun[]> {
  const pinned = options.sha256 ?? WINTUN_ZIP_SHA256;
  if (!options.zipPath) {
    throw new Error(
      `wintun.dll is missing: set SLIPSTREAM_WINTUN_ZIP to the official wintun-${WINTUN_VERSION}.zip ` +
        `(https://www.wintun.net/, SHA-256 ${pinned}); the Windows build cannot create its tunnel without it`,
    );
  }
  let zip: Buffer;
  try {
    const stat = await fs.stat(options.zipPath);
    if (!stat.isFile() || stat.size > MAX_ZIP) throw new Error('not a plain file of a sane size');
    zip = await fs.readFile(options.zipPath);
  } catch (err) {
    throw new Error(
      `cannot read SLIPSTREAM_WINTUN_ZIP=${options.zipPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const actual = createHash('sha256').update(zip).digest('hex');
  if (actual !== pinned) {
    throw new Error(
      `${options.zipPath} is not wintun-${WINTUN_VERSION}.zip: SHA-256 ${actual}, expected ${pinned}`,
    );
  }
  const license = 'wintun/LICENSE.txt';
  const dlls = Object.values(WINTUN_ARCHES).map((a) => `wintun/bin/${a}/wintun.dll`);
  const entries = readZipEntries(zip, [license, ...dlls]);
  const missing = [license, ...dlls].filter((n) => !entries.has(n));
  if (missing.length > 0) throw new Error(`the Wintun zip lacks ${missing.join(', ')}`);

  const staged: StagedWintun[] = [];
  await fs.rm(options.outDir, { recursive: true, force: true });
  for (const [arch, dir] of Object.entries(WINTUN_ARCHES) as [
    keyof typeof WINTUN_ARCHES,
    string,
  ][]) {
    const target = path.join(options.outDir, arch);
    await fs.mkdir(target, { recursive: true });
    const dll = entries.get(`wintun/bin/${dir}/wintun.dll`)!;
    await fs.writeFile(path.join(target, 'wintun.dll'), dll);
    await fs.writeFile(path.join(target, 'LICENSE.txt'), entries.get(license)!);
    staged.push({
      arch,
      dll: path.join(target, 'wintun.dll'),
      sha256: createHash('sha256').update(dll).digest('hex'),
    });
  }
  return staged;
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  try {
    const staged = await stageWintun({
      zipPath: process.env.SLIPSTREAM_WINTUN_ZIP || undefined,
      outDir: path.join(root, 'build', 'wintun'),
    });
    for (const s of staged) console.log(`wintun ${s.arch}: ${s.dll} (sha256 ${s.sha256})`);
  } catch (err) {
    console.error(`stage-wintun: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
