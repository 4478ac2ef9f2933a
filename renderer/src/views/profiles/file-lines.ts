/**
 * Which lines of a rejected .conf file to show next to its problems. Small
 * files are shown whole; in big ones only a few lines around each problem
 * (a 1 MB file would otherwise become tens of thousands of DOM rows). Key
 * values are masked: the file is the user's own, but a screenshot of the
 * error for support should not leak a private key.
 */
export interface ShownLine {
  number: number;
  text: string;
  problems: string[];
}

/** A gap between shown excerpts. */
export type Excerpt = ShownLine | { gap: true; from: number; to: number };

const WHOLE_FILE_MAX_LINES = 300;
const CONTEXT = 2;
const SECRET_KEY = /^(\s*(?:PrivateKey|PresharedKey)\s*=\s*)(.*)$/i;

export function maskSecrets(line: string): string {
  const m = SECRET_KEY.exec(line);
  return m ? `${m[1]}${m[2] ? '•'.repeat(8) : ''}` : line;
}

export function excerptLines(
  text: string,
  problems: readonly { line: number | null; message: string }[],
): Excerpt[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const byLine = new Map<number, string[]>();
  for (const p of problems) {
    if (p.line === null || p.line < 1 || p.line > lines.length) continue;
    const list = byLine.get(p.line) ?? [];
    list.push(p.message);
    byLine.set(p.line, list);
  }
  const wanted = new Set<number>();
  if (lines.length <= WHOLE_FILE_MAX_LINES) {
    for (let n = 1; n <= lines.length; n++) wanted.add(n);
  } else {
    for (const n of byLine.keys()) {
      for (let k = Math.max(1, n - CONTEXT); k <= Math.min(lines.length, n + CONTEXT); k++) {
        wanted.add(k);
      }
    }
  }
  const numbers = [...wanted].sort((a, b) => a - b);
  const out: Excerpt[] = [];
  let previous = 0;
  for (const n of numbers) {
    if (n > previous + 1) out.push({ gap: true, from: previous + 1, to: n - 1 });
    out.push({ number: n, text: maskSecrets(lines[n - 1] ?? ''), problems: byLine.get(n) ?? [] });
    previous = n;
  }
  if (numbers.length > 0 && previous < lines.length) {
    out.push({ gap: true, from: previous + 1, to: lines.length });
  }
  return out;
}
