// Running test code as another local user. The checkout may be private (a 0700 home or
// mktemp directory), so a child with another uid cannot import from it: the module it runs
// is bundled, with everything it imports (zod included), into one file in a world-readable
// temporary directory.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { registerCleanup } from './cleanup.js';

const bundles = new Map<string, Promise<string>>();

/** One self-contained ES module for `entry` (a compiled .js file), readable by every user. */
export function bundleForOtherUser(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = makeBundle(entry);
    bundles.set(entry, bundle);
    bundle.catch(() => bundles.delete(entry));
  }
  return bundle;
}

async function makeBundle(entry: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ss-as-user-'));
  registerCleanup({
    label: `bundle dir ${dir}`,
    run: async () => rmSync(dir, { recursive: true, force: true }),
    runSync: () => rmSync(dir, { recursive: true, force: true }),
  });
  await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    root: path.dirname(entry),
    ssr: { noExternal: true, target: 'node' },
    build: {
      ssr: entry,
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: 'node20',
      rolldownOptions: { output: { entryFileNames: 'main.mjs', format: 'es' } },
    },
  });
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'main.mjs');
  chmodSync(file, 0o644);
  return file;
}

export interface AsUserResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `node <bundle of entry> ...args` as uid:gid; resolves whatever the exit status. */
export async function runAsUser(
  uid: number,
  gid: number,
  entry: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<AsUserResult> {
  const file = await bundleForOtherUser(entry);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      {
        uid,
        gid,
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 15_000,
        cwd: options.cwd ?? '/',
        ...(options.env ? { env: options.env } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
