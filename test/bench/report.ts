// Each benchmark owns one section of BENCHMARKS.md, between markers, so running one
// benchmark updates its figures and leaves the others' alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeBenchSection(name: string, markdown: string): void {
  const file = path.resolve('BENCHMARKS.md');
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  const next =
    a !== -1 && b > a
      ? `${text.slice(0, a)}${block}${text.slice(b + end.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
