/**
 * Random access to the lines of a large JSONL log for the viewer: one pass
 * records where each line starts (8 bytes per line in a growable Float64Array,
 * so a million lines cost 8 MB), then any page of lines is one positioned
 * read. Appended lines are picked up by `refresh()` from where the last scan
 * stopped, which is what follow-tail needs. Lines that are not valid log
 * entries come back raw and marked, never dropped.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parseLogLine } from './parse.js';

export type IndexedLine =
  | {
      ok: true;
      line: number;
      time: string;
      level: 'error' | 'warn' | 'info' | 'debug' | 'trace';
      target: string;
      message: string;
      fields: Record<string, unknown>;
    }
  | { ok: false; line: number; raw: string; problem: string };

const CHUNK = 1 << 20;

export class LineIndex {
  private starts = new Float64Array(1024);
  private count = 0;
  /** Bytes scanned so far; a partial last line is not counted until its newline arrives. */
  private scanned = 0;

  private constructor(private readonly file: FileHandle) {}

  static async open(path: string): Promise<LineIndex> {
    const index = new LineIndex(await open(path, 'r'));
    await index.refresh();
    return index;
  }

  get lines(): number {
    return this.count;
  }

  /** Indexes whatever was appended since the last scan. Returns the new line count. */
  async refresh(): Promise<number> {
    const { size } = await this.file.stat();
    if (size < this.scanned) {
      // Rotated or truncated: start over.
      this.count = 0;
      this.scanned = 0;
    }
    const buf = Buffer.allocUnsafe(CHUNK);
    let lineStart = this.scanned;
    let pos = this.scanned;
    while (pos < size) {
      const { bytesRead } = await this.file.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      let at = buf.indexOf(10, 0);
      while (at !== -1 && at < bytesRead) {
        this.push(lineStart);
        lineStart = pos + at + 1;
        at = buf.indexOf(10, at + 1);
      }
      pos += bytesRead;
    }
    this.scanned = lineStart;
    return this.count;
  }

  /** Lines [from, from + limit), parsed; line numbers start at 0. */
  async read(from: number, limit: number): Promise<IndexedLine[]> {
    const first = Math.max(0, Math.min(from, this.count));
    const last = Math.min(this.count, first + Math.max(0, limit));
    if (last <= first) return [];
    const begin = this.starts[first]!;
    const end = last < this.count ? this.starts[last]! : this.scanned;
    const buf = Buffer.allocUnsafe(end - begin);
    await this.file.read(buf, 0, buf.length, begin);
    const out: IndexedLine[] = [];
    for (let i = first; i < last; i++) {
      const a = this.starts[i]! - begin;
      const b = (i + 1 < last ? this.starts[i + 1]! : end) - begin;
      const text = buf.toString('utf8', a, b).replace(/\r?\n$/, '');
      const parsed = parseLogLine(text);
      out.push(
        parsed.ok
          ? { ok: true, line: i, ...parsed.entry }
          : { ok: false, line: i, raw: text.slice(0, 100_000), problem: parsed.error },
      );
    }
    return out;
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private push(start: number): void {
    if (this.count === this.starts.length) {
      const bigger = new Float64Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    this.starts[this.count++] = start;
  }
}
