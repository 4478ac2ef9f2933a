// test-platform: linux-only: validates the packaging files with the build machine's electron-builder and POSIX paths
// electron-builder.yml: valid by electron-builder's own schema validation (the
// function its packager calls), and every file it names exists and matches.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import type * as ConfigModule from 'app-builder-lib/out/util/config/config.js';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import { root } from './tools.js';

const require = createRequire(import.meta.url);
// Deep import: app-builder-lib has no "exports" map, and this is the function
// Packager.validateConfig runs (ajv over app-builder-lib/scheme.json).
const { doMergeConfigs, validateConfiguration } =
  require('app-builder-lib/out/util/config/config.js') as typeof ConfigModule;
const { DebugLogger } = require('builder-util') as {
  DebugLogger: new (enabled: boolean) => Parameters<typeof validateConfiguration>[1];
};

// The YAML as parsed: checked by electron-builder, so loosely typed here.
type Config = Record<string, any>;

function load(): Config {
  return parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Config;
}

async function validate(config: Config): Promise<void> {
  // As Packager does: merged over the defaults, then validated.
  const merged = doMergeConfigs([structuredClone(config)]);
  await validateConfiguration(merged, new DebugLogger(false));
}

test('electron-builder accepts the configuration', async () => {
  await validate(load());
});

test('electron-builder’s validation rejects what it does not know (the check is real)', async () => {
  const broken: [string, (c: Config) => void][] = [
    ['unknown top-level key', (c) => (c.notAnOption = true)],
    ['misspelt linux key', (c) => (c.linux.categroy = 'Network')],
    ['wrong type', (c) => (c.nsis.perMachine = { yes: 1 })],
    ['unknown protocol field', (c) => (c.protocols[0].scheme = 'x')],
  ];
  for (const [what, mutate] of broken) {
    const config = load();
    mutate(config);
    await assert.rejects(validate(config), /Invalid configuration object/, what);
  }
});

test('identity, targets and the settings the app relies on', () => {
  const c = load();
  assert.equal(c.appId, 'com.slipstream.app');
  assert.equal(c.productName, 'Slipstream');
  assert.equal(c.directories.output, 'dist-electron');
  assert.equal(c.extraMetadata.main, 'dist/app/main/electron/main.js');
  assert.deepEqual(c.linux.target, ['AppImage', 'deb']);
  assert.equal(c.linux.category, 'Network');
  assert.equal(c.linux.executableName, 'slipstream');
  assert.equal(c.win.requestedExecutionLevel, 'asInvoker');
  assert.equal(c.nsis.perMachine, true);
  assert.equal(c.nsis.allowElevation, true);
  assert.deepEqual(c.protocols, [{ name: 'Slipstream', schemes: ['slipstream'] }]);
  assert.ok(c.deb.depends.includes('iproute2'));
});

const included = (patterns: string[], file: string) => {
  let inside = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(file, p.slice(1), { dot: true })) inside = false;
    } else if (minimatch(file, p, { dot: true })) inside = true;
  }
  return inside;
};

test('files: the entry points ship, tests and maps do not; the helper’s closure is unpacked', () => {
  const c = load();
  for (const file of [
    'package.json',
    c.extraMetadata.main,
    'dist/app/helper/main.js',
    'dist/ipc/schema.js',
    'dist/preload/preload.cjs',
    'dist/renderer/index.html',
    'native/build/Release/slipstream.node',
  ]) {
    assert.ok(included(c.files, file), `${file} is packaged`);
  }
  for (const file of [
    'dist/test/unit/ipc/ipc.test.js',
    'dist/app/main/core.js.map',
    'app/main/core.ts',
  ]) {
    assert.ok(!included(c.files, file), `${file} is not packaged`);
  }
  for (const file of [
    'package.json',
    'dist/app/helper/main.js',
    'dist/app/tunnel/session.js',
    'dist/ipc/schema.js',
    'node_modules/zod/package.json',
    'native/build/Release/slipstream.node',
  ]) {
    assert.ok(
      c.asarUnpack.some((p: string) => minimatch(file, p, { dot: true })),
      `${file} unpacked`,
    );
  }
  for (const file of ['dist/renderer/index.html', 'dist/preload/preload.cjs']) {
    assert.ok(
      !c.asarUnpack.some((p: string) => minimatch(file, p, { dot: true })),
      `${file} in asar`,
    );
  }
  // The compiled entry exists where "main" points (after tsc -b).
  assert.ok(existsSync(path.join(root, c.extraMetadata.main)), 'compiled main.js');
});

test('every file the configuration names exists', () => {
  const c = load();
  const mustExist = (rel: string, what: string) =>
    assert.ok(existsSync(path.join(root, rel)), `${what}: ${rel} is missing`);
  mustExist(c.deb.afterInstall, 'deb.afterInstall');
  mustExist(c.deb.afterRemove, 'deb.afterRemove');
  mustExist(c.nsis.include, 'nsis.include');
  mustExist(c.win.icon, 'win.icon');
  // Linux icon directory: electron-builder reads sizes from NxN.png names.
  mustExist(c.linux.icon, 'linux.icon');
  const sizes = readdirSync(path.join(root, c.linux.icon)).filter((f) => /^\d+x\d+\.png$/.test(f));
  assert.ok(sizes.includes('512x512.png') && sizes.includes('256x256.png'), sizes.join());
  for (const res of [...c.extraResources, ...c.linux.extraResources]) {
    mustExist(res.from, `extraResources ${res.to}`);
    if (!res.filter) continue;
    const files = readdirSync(path.join(root, res.from));
    for (const f of res.filter as string[]) {
      assert.ok(
        files.some((name) => minimatch(name, f)),
        `${res.from}: nothing matches ${f}`,
      );
    }
  }
  // The launcher is run by systemd and pkexec: executable in the source tree.
  const launcher = statSync(path.join(root, 'app/packaging/linux/slipstream-helper'));
  assert.ok((launcher.mode & 0o111) !== 0, 'slipstream-helper is executable');
});
