// Each benchmark owns one section of BENCHMARKS.md (and possibly of the README), between
// markers, so running one benchmark updates its figures and leaves everything else alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function markers(name: string): { begin: string; end: string } {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad section name ${JSON.stringify(name)}`);
  return { begin: `<!-- bench:${name} -->`, end: `<!-- /bench:${name} -->` };
}

/**
 * `text` with the section `name` replaced by `markdown`; null when the markers are missing
 * or out of order (the caller decides whether appending is right).
 */
export function replaceSection(text: string, name: string, markdown: string): string | null {
  const { begin, end } = markers(name);
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a === -1 || b < a || text.indexOf(begin, a + 1) !== -1) return null;
  return `${text.slice(0, a)}${begin}\n${markdown.trim()}\n${end}${text.slice(b + end.length)}`;
}

export function writeBenchSection(name: string, markdown: string): void {
  const file = path.resolve('BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const { begin, end } = markers(name);
  const next =
    replaceSection(text, name, markdown) ??
    `${text.trimEnd()}\n\n${begin}\n${markdown.trim()}\n${end}\n`;
  writeFileSync(file, next);
}

/** Replaces the README's section; the README is written by people, so never appended to. */
export function writeReadmeSection(name: string, markdown: string): void {
  const file = path.resolve('README.md');
  const next = replaceSection(readFileSync(file, 'utf8'), name, markdown);
  if (next === null) throw new Error(`README.md has no single <!-- bench:${name} --> section`);
  writeFileSync(file, next);
}
