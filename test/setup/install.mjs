#!/usr/bin/env node
// Installs the Debian packages the build and the tests need (test/setup/debian-packages)
// when their commands are missing. The first step of `npm test`, and of .ci/run before
// `npm ci`, so both rely on one list. Needs root (apt-get) only when something is missing;
// without root it prints the command to run and fails.
//
//   node test/setup/install.mjs           install what is missing
//   node test/setup/install.mjs --check   only report what is missing (exit 1 if anything)
//   node test/setup/install.mjs --group windows
//                                         the same for another list, debian-packages-windows
//                                         (what `npm run test:windows` adds: wine, mingw tools)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const groupAt = process.argv.indexOf('--group');
const GROUP = groupAt >= 0 ? process.argv[groupAt + 1] : undefined;
if (groupAt >= 0 && !/^[a-z0-9-]+$/.test(GROUP ?? '')) {
  console.error('setup: --group needs a list name such as "windows"');
  process.exit(2);
}
const LIST = path.join(here, GROUP ? `debian-packages-${GROUP}` : 'debian-packages');
// Non-login root shells may lack the sbin directories where ip, nft and sysctl live.
const SEARCH = [
  ...(process.env.PATH ?? '').split(':').filter(Boolean),
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
  '/usr/local/bin',
  '/usr/bin',
  '/bin',
];

/** [package, command] pairs from the list file. */
export function readPackageList(text = readFileSync(LIST, 'utf8')) {
  const pairs = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [pkg, command, extra] = line.split(/\s+/);
    if (!pkg || !command || extra) throw new Error(`${LIST}: bad line "${raw}"`);
    pairs.push([pkg, command]);
  }
  return pairs;
}

function installed(command) {
  // An absolute path names a file that is not on PATH (wine64's loader, a library's
  // header): it only has to exist and be readable.
  const absolute = path.isAbsolute(command);
  for (const dir of absolute ? [''] : SEARCH) {
    try {
      accessSync(path.join(dir, command), absolute ? constants.R_OK : constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function apt(args) {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) throw new Error(`apt-get: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status})`);
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const missing = readPackageList().filter(([, command]) => !installed(command));
  const packages = [...new Set(missing.map(([pkg]) => pkg))];
  if (packages.length === 0) {
    console.log('setup: every system package the tests need is installed');
    return 0;
  }
  const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (checkOnly) {
    console.error(`setup: missing ${packages.join(', ')}; install with: ${command}`);
    return 1;
  }
  if (process.getuid?.() !== 0) {
    console.error(`setup: missing ${packages.join(', ')}; as root run: ${command}`);
    return 1;
  }
  console.log(`setup: installing ${packages.join(' ')}`);
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', ...packages]);
  const still = readPackageList().filter(([, c]) => !installed(c));
  if (still.length > 0) {
    console.error(`setup: still missing after apt-get: ${still.map(([, c]) => c).join(', ')}`);
    return 1;
  }
  console.log('setup: done');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exit(main());
  } catch (err) {
    console.error(`setup: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
