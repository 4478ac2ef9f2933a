/**
 * The indexing pass behind the log viewer: one read of a JSONL log records
 * where each line starts (8 bytes a line) and its level code (1 byte a line,
 * see line-shape.ts), and, for files up to `memoryLimit`, keeps an ASCII-folded
 * copy of the bytes so text searches never touch the disk. Displayed text is
 * always read back from the file with positioned reads: the folded copy has
 * lost case, and a handle held open keeps reading the same file even after the
 * logger rotates it away.
 *
 * Growth: `refresh()` indexes what was appended since the last scan. A partial
 * last line waits for its newline. The file being replaced (rotation: another
 * inode at the path), truncated or removed resets the index.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { foldAscii } from './ascii-fold.js';
import { levelCode } from './line-shape.js';

export interface IndexOptions {
  /** Files up to this size keep a folded copy in memory. Default 512 MiB. */
  memoryLimit?: number;
  /** Bytes per read and per synchronous stretch of work. Default 512 KiB. */
  chunkBytes?: number;
}

export interface RefreshResult {
  /** The index started over (rotation, truncation, removal). */
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

const DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024;
// Small enough that the first chunk, run before the JIT has warmed up, stays a short stall.
const DEFAULT_CHUNK = 512 * 1024;
/** Lines closer than this are fetched with one read when a page is assembled. */
const READ_GAP = 64 * 1024;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class LogFileIndex {
  private starts = new Float64Array(1024);
  private levels = new Uint8Array(1024);
  private count = 0;
  /** Bytes of complete lines indexed so far. */
  private scanned = 0;
  private file: FileHandle | null = null;
  private identity = '';
  /** Folded bytes [0, scanned) when the file fits in memory; null otherwise. */
  private folded: Buffer | null = null;
  private readonly memoryLimit: number;
  private readonly chunk: number;

  constructor(
    readonly path: string,
    options: IndexOptions = {},
  ) {
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.chunk = options.chunkBytes ?? DEFAULT_CHUNK;
  }

  get lines(): number {
    return this.count;
  }

  /** Level code (0 error .. 4 trace, 5 malformed) of each line; valid below `lines`. */
  get levelCodes(): Uint8Array {
    return this.levels;
  }

  /** Byte offset where line i starts; `i === lines` gives the end of the last line. */
  startOf(i: number): number {
    return i < this.count ? this.starts[i]! : this.scanned;
  }

  /** Indexes whatever was appended; starts over when the file was replaced or shrank. */
  async refresh(): Promise<RefreshResult> {
    let reset = false;
    let size: number;
    try {
      const onDisk = await stat(this.path);
      const identity = `${onDisk.dev}:${onDisk.ino}`;
      if (this.file && identity !== this.identity) {
        reset = this.clear();
      }
      if (!this.file) {
        this.file = await open(this.path, 'r');
        const opened = await this.file.stat();
        this.identity = `${opened.dev}:${opened.ino}`;
      }
      size = (await this.file.stat()).size;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return { reset: this.clear(), added: 0 };
    }
    if (size < this.scanned) {
      // Truncated in place: same file, indexed again from the start.
      this.forget();
      reset = true;
    }
    const before = this.count;
    await this.scan(size);
    return { reset, added: this.count - before };
  }

  /** The text of each given line (ascending line numbers), without its line terminator. */
  async readLines(lines: ArrayLike<number>): Promise<string[]> {
    const out = new Array<string>(lines.length);
    const groups: [number, number][] = [];
    for (let k = 0; k < lines.length; k++) {
      const last = groups[groups.length - 1];
      const line = lines[k]!;
      if (last && this.startOf(line) - this.startOf(lines[last[1] - 1]! + 1) <= READ_GAP) {
        last[1] = k + 1;
      } else groups.push([k, k + 1]);
    }
    await Promise.all(
      groups.map(async ([from, to]) => {
        const begin = this.startOf(lines[from]!);
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
    this.clear();
  }

  private async read(begin: number, end: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(end - begin);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.file!.read(buf, got, buf.length - got, begin + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    // A file cut short under us reads as what is left; the next refresh resets.
    return got === buf.length ? buf : buf.subarray(0, got);
  }

  /** Closes the file and forgets everything; returns whether there was anything to forget. */
  private clear(): boolean {
    const had = this.file !== null || this.count > 0;
    // Fire-and-forget: failing to close a read-only handle changes nothing here.
    this.file?.close().catch(() => {});
    this.file = null;
    this.identity = '';
    this.forget();
    return had;
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
    const file = this.file!;
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
      const { bytesRead } = await this.file!.read(buf, 0, want, base);
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
