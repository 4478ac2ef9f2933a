#!/usr/bin/env node
// `npm run test:windows`: the Windows side of the project, checked on a Linux host.
// Builds the addon with mingw-w64 (-Wall -Wextra -Werror), then runs a real Windows
// node.exe under wine on the Windows-only tests (dist/test/windows: the addon's exports,
// pipe security, a service under wine's SCM, UDP over loopback through the Winsock code)
// and every unit test file whose source is not marked Linux-only (see select.mjs).
// Needs: dist/ built (tsc -b) and the packages of test/setup/debian-packages-windows.
//   node test/windows/run.mjs [windows] [unit]   only these suites (default: both)
//   SLIPSTREAM_WIN_CACHE  where node.exe, the wine prefix and the build go
//                         (default ~/.cache/slipstream-windows)
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon, cacheDir, fetchNodeExe, preparePrefix } from './toolchain.mjs';
import { selectTests } from './select.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// A hung test under wine must not hang CI: the whole run is bounded.
const RUN_LIMIT_MS = 40 * 60 * 1000;

/** How a Windows process under wine names a Unix path (wine maps / to drive Z:). */
const windowsPath = (p) => 'Z:' + path.resolve(p).replace(/\//g, '\\');

async function main() {
  const started = Date.now();
  if (!existsSync(path.join(root, 'dist', 'test'))) {
    console.error('windows: no compiled tests under dist/test (run `npx tsc -b` first)');
    return 1;
  }
  const cache = cacheDir();
  const nodeExe = fetchNodeExe(cache);
  const env = preparePrefix(cache);
  const addon = await buildAddon(root, cache, nodeExe);
  const built = Date.now();

  const wanted = process.argv.slice(2).filter((a) => a === 'windows' || a === 'unit');
  const { run, left } = selectTests(root, wanted.length ? wanted : ['windows', 'unit']);
  console.log(
    `windows: ${run.length} test files under wine; ${left.length} left out by their marker:`,
  );
  for (const l of left) console.log(`  - ${l.file} (${l.kind}: ${l.reason})`);

  // Node under wine cannot write to a Unix pipe (EBADF on stdout), so the run writes
  // to a file that is printed afterwards.
  const log = path.join(cache, 'test-windows.log');
  rmSync(log, { force: true });
  const out = openSync(log, 'w');
  const result = spawnSync(
    'wine',
    [
      nodeExe,
      '--test',
      '--test-concurrency=1',
      '--test-timeout=120000',
      '--test-reporter=spec',
      ...run,
    ],
    {
      cwd: root,
      stdio: ['ignore', out, out],
      timeout: RUN_LIMIT_MS,
      env: {
        ...env,
        SLIPSTREAM_TEST_ADDON: windowsPath(addon),
        // Every test process (the runner forks one per file) loads the Windows build.
        NODE_OPTIONS: '--import=./dist/test/windows/use-windows-addon.js',
      },
    },
  );
  closeSync(out);
  // Services and wine's own processes of this prefix stop with it.
  spawnSync('wineserver', ['-k'], { env, stdio: 'ignore' });
  const text = readFileSync(log, 'utf8');
  process.stdout.write(text);
  const seconds = (ms) => (ms / 1000).toFixed(0);
  console.log(
    `\nwindows: build and setup ${seconds(built - started)} s, tests ${seconds(Date.now() - built)} s;` +
      ` ${run.length} files run, ${left.length} left out (listed above)`,
  );
  if (result.error) console.log(`windows: wine: ${result.error.message}`);
  // End with the runner's own totals.
  const summary = text.split('\n').filter((l) => /^ℹ (tests|pass|fail|skipped|todo) /.test(l));
  for (const line of summary) console.log(line);
  if (summary.length === 0) console.log('ℹ fail 1 (the test runner under wine printed no summary)');
  return result.status === 0 && summary.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`windows: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
