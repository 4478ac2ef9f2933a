/**
 * Commands some native tests drive besides `ip` (ethtool to change device
 * offloads, python3 as a GSO sender independent of the addon): found on the
 * PATH, or installed from Debian's archive like the harness's own tools.
 */
import { findExecutable, runOk } from '../../harness/system.js';

/** Command name → Debian package that provides it. */
export const NATIVE_TEST_TOOLS = { ethtool: 'ethtool', python3: 'python3-minimal' } as const;

let installing: Promise<void> | null = null;

async function install(packages: string[]): Promise<void> {
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await runOk('apt-get', ['update'], { env, timeoutMs: 300_000 });
  await runOk('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    env,
    timeoutMs: 600_000,
  });
}

/** Resolves once every NATIVE_TEST_TOOLS command exists; rejects naming what is missing. */
export async function ensureNativeTestTools(): Promise<void> {
  const missing = (): string[] =>
    Object.keys(NATIVE_TEST_TOOLS).filter((c) => findExecutable(c) === null);
  if (missing().length === 0) return;
  const packages = missing().map((c) => NATIVE_TEST_TOOLS[c as keyof typeof NATIVE_TEST_TOOLS]);
  installing ??= install(packages).finally(() => (installing = null));
  try {
    await installing;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`missing ${missing().join(', ')}; apt-get install failed: ${why}`);
  }
  if (missing().length > 0) throw new Error(`still missing after install: ${missing().join(', ')}`);
}
