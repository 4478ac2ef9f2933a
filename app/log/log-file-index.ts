/**
 * The indexing pass behind the log viewer: one read of a JSONL log file records
 * where each line starts (8 bytes a line) and its level code (1 byte a line,
 * see line-shape.ts), and, for files up to `memoryLimit`, keeps an ASCII-folded
 * copy of the bytes so text searches never touch the disk. Displayed text is
 * always read back from the file with positioned reads: the folded copy has
 * lost case.
 *
 * An index belongs to one file (one inode, opened by log-files.ts), not to a
 * name: it keeps reading the same file when a rotation renames it, so a
 * rotated file is indexed once. `refresh()` indexes what was appended since
 * the last scan; a partial last line waits for its newline; a file that
 * shrank (truncated in place) is indexed again from the start.
 */
import type { FileHandle } from 'node:fs/promises';
import { foldAscii } from './ascii-fold.js';
import { levelCode } from './line-shape.js';
import type { OpenedLogFile } from './log-files.js';

export interface IndexOptions {
  /** Files up to this size keep a folded copy in memory. Default 512 MiB. */
  memoryLimit?: number;
  /** Bytes per read and per synchronous stretch of work. Default 512 KiB. */
  chunkBytes?: number;
}

export interface RefreshResult {
  /** The index started over (the file shrank). */
  reset: boolean;
  /** Lines added by this refresh (after a reset: all lines). */
  added: number;
}

/** A run of whole lines [first, end) whose folded bytes are `bytes`, starting at file offset `base`. */
export interface FoldedChunk {
  bytes: Buffer;
  base: number;
  first: number;
  end: number;
}

export const DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024;
// Small enough that the first chunk, run before the JIT has warmed up, stays a short stall.
const DEFAULT_CHUNK = 512 * 1024;
/** Lines closer than this are fetched with one read when a page is assembled. */
const READ_GAP = 64 * 1024;

export class LogFileIndex {
  private starts = new Float64Array(1024);
  private levels = new Uint8Array(1024);
  private count = 0;
  /** Bytes of complete lines indexed so far. */
  private scanned = 0;
  private readonly file: FileHandle;
  /** Folded bytes [0, scanned) when the file fits in memory; null otherwise. */
  private folded: Buffer | null = null;
  private readonly memoryLimit: number;
  private readonly chunk: number;
  private closed = false;
  private restarts = 0;
  /** `dev:ino` of the file. */
  readonly identity: string;

  /** `name`: what the file is called now (a rotation renames it). */
  constructor(
    opened: OpenedLogFile,
    public name: string,
    options: IndexOptions = {},
  ) {
    this.file = opened.handle;
    this.identity = opened.identity;
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.chunk = options.chunkBytes ?? DEFAULT_CHUNK;
  }

  get lines(): number {
    return this.count;
  }

  /** Times the index started over because the file shrank: line numbers from before are void. */
  get resets(): number {
    return this.restarts;
  }

  /** Bytes of complete lines indexed. */
  get bytes(): number {
    return this.scanned;
  }

  /** Whether searches run on a folded copy in memory. */
  get inMemory(): boolean {
    return this.folded !== null;
  }

  /** Level code (0 error .. 4 trace, 5 malformed) of each line; valid below `lines`. */
  get levelCodes(): Uint8Array {
    return this.levels;
  }

  /** Byte offset where line i starts; `i === lines` gives the end of the last line. */
  startOf(i: number): number {
    return i < this.count ? this.starts[i]! : this.scanned;
  }

  /** Bytes of line i with its terminator. */
  lineBytes(i: number): number {
    return this.startOf(i + 1) - this.startOf(i);
  }

  /** Indexes whatever was appended; starts over when the file shrank. */
  async refresh(): Promise<RefreshResult> {
    if (this.closed) return { reset: false, added: 0 };
    const size = (await this.file.stat()).size;
    let reset = false;
    if (size < this.scanned) {
      this.forget();
      this.restarts++;
      reset = true;
    }
    const before = this.count;
    await this.scan(size);
    return { reset, added: this.count - before };
  }

  /**
   * The text of each given line (ascending line numbers), without its line
   * terminator; a line longer than `cap` bytes comes back as its first `cap`
   * bytes (the caller knows from lineBytes that it was cut).
   */
  async readLines(lines: ArrayLike<number>, cap = Infinity): Promise<string[]> {
    const out = new Array<string>(lines.length);
    const groups: [number, number][] = [];
    for (let k = 0; k < lines.length; k++) {
      const line = lines[k]!;
      if (this.lineBytes(line) > cap) {
        groups.push([k, k + 1]);
        continue;
      }
      const last = groups[groups.length - 1];
      const prev = last ? lines[last[1] - 1]! : -1;
      if (
        last &&
        last[1] === k &&
        this.lineBytes(prev) <= cap &&
        this.startOf(line) - this.startOf(prev + 1) <= READ_GAP
      ) {
        last[1] = k + 1;
      } else groups.push([k, k + 1]);
    }
    await Promise.all(
      groups.map(async ([from, to]) => {
        const first = lines[from]!;
        if (this.lineBytes(first) > cap) {
          const begin = this.startOf(first);
          out[from] = (await this.read(begin, begin + cap)).toString('utf8');
          return;
        }
        const begin = this.startOf(first);
        const buf = await this.read(begin, this.startOf(lines[to - 1]! + 1));
        for (let k = from; k < to; k++) {
          const line = lines[k]!;
          let end = this.startOf(line + 1) - begin;
          if (buf[end - 1] === 0x0a) end--;
          if (buf[end - 1] === 0x0d) end--;
          out[k] = buf.toString('utf8', this.startOf(line) - begin, end);
        }
      }),
    );
    return out;
  }

  /** Folded bytes of lines [from, to) in line-aligned chunks of about `chunkBytes`. */
  async *foldedChunks(from: number, to: number): AsyncGenerator<FoldedChunk> {
    let first = from;
    while (first < to) {
      // The first line whose start is past the chunk budget ends this chunk (at least one line).
      let lo = first + 1;
      let hi = to;
      const limit = this.startOf(first) + this.chunk;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.startOf(mid) <= limit) lo = mid + 1;
        else hi = mid;
      }
      const end = Math.max(first + 1, lo - 1);
      const base = this.startOf(first);
      const stop = this.startOf(end);
      let bytes: Buffer;
      if (this.folded) bytes = this.folded.subarray(base, stop);
      else {
        bytes = await this.read(base, stop);
        foldAscii(bytes, 0, bytes.length);
      }
      yield { bytes, base, first, end };
      first = end;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    // Failing to close a read-only handle changes nothing here.
    await this.file.close().catch(() => {});
  }

  private async read(begin: number, end: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(Math.max(0, end - begin));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.file.read(buf, got, buf.length - got, begin + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    // A file cut short under us reads as what is left; the next refresh resets.
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  private forget(): void {
    this.count = 0;
    this.scanned = 0;
    this.folded = null;
  }

  private async scan(size: number): Promise<void> {
    if (size <= this.scanned) return;
    if (size > this.memoryLimit) this.folded = null;
    else if (this.scanned === 0 || this.folded) this.ensureFolded(size);
    if (this.folded) await this.scanInMemory(this.folded, size);
    else await this.scanFromDisk(size);
  }

  /**
   * Reads the new bytes into place in the folded copy, indexes them, then folds
   * them. The next read is already under way while a chunk is indexed.
   */
  private async scanInMemory(buf: Buffer, size: number): Promise<void> {
    const file = this.file;
    const readAt = (pos: number) => file.read(buf, pos, Math.min(this.chunk, size - pos), pos);
    let pos = this.scanned;
    let pending = readAt(pos);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      pos += bytesRead;
      const more = pos < size;
      if (more) pending = readAt(pos);
      // Only bytes before `pos` are touched here; the pending read fills those after it.
      const next = this.indexLines(buf.subarray(0, pos), 0, this.scanned);
      foldAscii(buf, this.scanned, next);
      this.scanned = next;
      if (!more) break;
    }
  }

  /** Reads chunks starting at the first unindexed line; a line longer than a chunk grows it. */
  private async scanFromDisk(size: number): Promise<void> {
    let buf = Buffer.allocUnsafe(this.chunk);
    while (this.scanned < size) {
      const base = this.scanned;
      const want = Math.min(buf.length, size - base);
      const { bytesRead } = await this.file.read(buf, 0, want, base);
      if (bytesRead === 0) break;
      const next = this.indexLines(buf.subarray(0, bytesRead), base, 0);
      if (next === 0) {
        if (base + bytesRead >= size) break; // the partial last line
        buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      this.scanned = base + next;
    }
  }

  /** Records the complete lines in buf[from, …); returns where the unfinished rest starts. */
  private indexLines(buf: Buffer, base: number, from: number): number {
    let s = from;
    for (;;) {
      const nl = buf.indexOf(0x0a, s);
      if (nl < 0) return s;
      let end = nl;
      if (end > s && buf[end - 1] === 0x0d) end--;
      this.push(base + s, levelCode(buf, s, end));
      s = nl + 1;
    }
  }

  private ensureFolded(size: number): void {
    if (this.folded && this.folded.length >= size) return;
    // Room to grow without copying 200 MB on every appended line.
    const capacity = Math.min(
      this.memoryLimit,
      Math.max(size + (size >> 3), size + (1 << 20), (this.folded?.length ?? 0) * 1.5),
    );
    const bigger = Buffer.allocUnsafe(Math.ceil(capacity));
    this.folded?.copy(bigger, 0, 0, this.scanned);
    this.folded = bigger;
  }

  private push(start: number, level: number): void {
    if (this.count === this.starts.length) {
      const starts = new Float64Array(this.count * 2);
      starts.set(this.starts);
      this.starts = starts;
      const levels = new Uint8Array(this.count * 2);
      levels.set(this.levels);
      this.levels = levels;
    }
    this.levels[this.count] = level;
    this.starts[this.count++] = start;
  }
}
