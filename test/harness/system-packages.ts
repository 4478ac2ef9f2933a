// The commands tests drive come from Debian packages listed once, in
// test/setup/debian-packages; `node test/setup/install.mjs` (the first step of `npm test`
// and of .ci/run) installs them. Tests only check: a missing command fails the test
// (never skips it) with the package to install.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from './system.js';

/** Repository root, from dist/test/harness/ (compiled) or test/harness/ (sources). */
const ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  return dist >= 0 ? parts.slice(0, dist).join(path.sep) : path.resolve(here, '..', '..');
})();

export const PACKAGE_LIST = path.join(ROOT, 'test', 'setup', 'debian-packages');

let packageOf: Map<string, string> | null = null;

/** command → Debian package, from the list file. */
function packages(): Map<string, string> {
  if (!packageOf) {
    packageOf = new Map();
    for (const raw of readFileSync(PACKAGE_LIST, 'utf8').split('\n')) {
      const [pkg, command] = raw.replace(/#.*/, '').trim().split(/\s+/);
      if (pkg && command) packageOf.set(command, pkg);
    }
  }
  return packageOf;
}

/**
 * Absolute paths of `commands`; throws one sentence naming every missing one and its
 * package. A command not in the list is a mistake in the test, reported as such.
 */
export function requireCommands<C extends string>(...commands: C[]): Record<C, string> {
  const found = {} as Record<C, string>;
  const missing: string[] = [];
  for (const command of commands) {
    const pkg = packages().get(command);
    if (!pkg) throw new Error(`${command} is not in ${PACKAGE_LIST}; add it there`);
    const at = findExecutable(command);
    if (at) found[command] = at;
    else missing.push(`${command} (Debian package ${pkg})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: run \`node test/setup/install.mjs\` as root (npm test does)`,
    );
  }
  return found;
}
