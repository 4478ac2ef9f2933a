#!/usr/bin/env node
// Runs the compiled test suites with node's test runner.
//   node test/run.mjs            all suites: unit, native, integration, then e2e
//   node test/run.mjs unit       one suite (unit | native | integration | e2e)
// Suites that need root and network namespaces (native, integration, e2e) run one
// file at a time; they create and remove their own namespaces. e2e drives the
// real renderer in Debian's chromium.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'test');
const suites = ['unit', 'native', 'integration', 'e2e'];
const wanted = process.argv.slice(2);
for (const s of wanted) {
  if (!suites.includes(s)) {
    console.error(`unknown suite "${s}" (expected one of: ${suites.join(', ')})`);
    process.exit(2);
  }
}

function collect(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const suite of wanted.length ? wanted : suites)
  files.push(...collect(path.join(compiled, suite)));
if (files.length === 0) {
  console.error('no compiled tests found under dist/test (run `npx tsc -b` first)');
  process.exit(1);
}
// Tests choose when code runs "under sudo" (SUDO_UID makes the CLI do session-file work as
// that user); `sudo npm test` must not make that choice for all of them.
const env = { ...process.env };
for (const name of ['SUDO_UID', 'SUDO_GID', 'SUDO_USER', 'SUDO_COMMAND']) delete env[name];
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(result.status ?? 1);
