// Which compiled test files run under Windows node.exe. A file opts out in its own
// source, on one of its first lines, with the reason:
//   // test-platform: linux-only: <why>       Linux by design (netlink, systemd, /proc, ...)
//   // test-platform: not-under-wine: <why>   meant for Windows, but wine 8 lacks something
// The runner lists every file it leaves out with that reason; they count as not run,
// never as passed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const MARKER = /^\/\/\s*test-platform:\s*(linux-only|not-under-wine):\s*(.+)$/;

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

/** The marker of one TypeScript source, from its first 10 lines; null when it has none. */
export function readMarker(text) {
  for (const line of text.split('\n').slice(0, 10)) {
    const m = MARKER.exec(line.trim());
    if (m) return { kind: m[1], reason: m[2].trim() };
  }
  return null;
}

/**
 * Compiled files under dist/test/<suite> for each suite, split into those to run and
 * those left out by their marker. Paths are relative to root (wine maps the cwd).
 */
export function selectTests(root, suites) {
  const run = [];
  const left = [];
  for (const suite of suites) {
    for (const file of collect(path.join(root, 'dist', 'test', suite))) {
      const rel = path.relative(root, file);
      const source = path.join(root, rel.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'));
      const marker = existsSync(source) ? readMarker(readFileSync(source, 'utf8')) : null;
      if (marker) left.push({ file: rel, ...marker });
      else run.push(rel);
    }
  }
  return { run, left };
}
