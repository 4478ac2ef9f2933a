/**
 * The indexing pass behind the log viewer: one read of a JSONL log file records
 * where each line starts (8 bytes a line) and its level code (1 byte a line,
 * see line-shape.ts), reading through one reused buffer. Nothing else of the
 * file is kept: displayed text is read back with positioned reads, and a text
 * search reads the file again in chunks and folds them natively
 * (ascii-fold.ts), which from the page cache takes about 100 ms for a
 * million-line (180 MB) log. An in-memory folded copy would save some of that
 * per search, but filling 180 MB of fresh memory costs half a second of page
 * faults here before the first rows could show, and 180 MB of RSS after.
 *
 * An index belongs to one file (one inode, opened by log-files.ts), not to a
 * name: it keeps reading the same file when a rotation renames it, so a
 * rotated file is indexed once. `refresh()` indexes what was appended since
 * the last scan; a partial last line waits for its newline; a file that
 * shrank (truncated in place) is indexed again from the start.
 */
import type { FileHandle } from 'node:fs/promises';
import { FOLDS_TO_ASCII, foldAscii } from './ascii-fold.js';
import { levelCode } from './line-shape.js';
import type { OpenedLogFile } from './log-files.js';

export interface IndexOptions {
  /** Bytes per read and per synchronous stretch of work. Default 512 KiB. */
  chunkBytes?: number;
  /** Longest line read whole; a longer one is indexed in pieces. Default 64 MiB. */
  maxLineBytes?: number;
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

// Small enough that the first chunk, run before the JIT has warmed up, stays a short stall.
const DEFAULT_CHUNK = 512 * 1024;
/** A search reads this many index chunks at a time (4 MiB by default). */
const SEARCH_CHUNKS = 8;
/** Lines closer than this are fetched with one read when a page is assembled. */
const READ_GAP = 64 * 1024;
/** The read buffer grows to hold a long line, up to this. */
const MAX_LINE_BUFFER = 64 * 1024 * 1024;

export class LogFileIndex {
  private starts = new Float64Array(1024);
  private levels = new Uint8Array(1024);
  private count = 0;
  /** Bytes of complete lines indexed so far. */
  private scanned = 0;
  private readonly file: FileHandle;
  /** Letters of FOLDS_TO_ASCII whose characters occur somewhere in the indexed lines. */
  readonly foldingLetters = new Set<string>();
  /** The index's read buffer, reused. */
  private readBuf: Buffer | null = null;
  private readonly chunk: number;
  private readonly maxBuffer: number;
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
    this.chunk = options.chunkBytes ?? DEFAULT_CHUNK;
    this.maxBuffer = Math.max(this.chunk, options.maxLineBytes ?? MAX_LINE_BUFFER);
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

  /** Level code (0 error .. 4 trace, 5 malformed) of each line; valid below `lines`. */
  get levelCodes(): Uint8Array {
    return this.levels;
  }

  /** Start offsets of lines [0, lines); entries beyond are unspecified. */
  get lineStarts(): Float64Array {
    return this.starts;
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
  /**
   * The chunk's bytes are valid until the next one is asked for: one buffer is
   * reused, since allocating 180 MB afresh per search costs more in page faults
   * than reading and folding it does.
   */
  async *foldedChunks(from: number, to: number): AsyncGenerator<FoldedChunk> {
    // Larger than the index's reads: a search's cost is mostly per chunk, and a chunk of
    // this size is still only a few milliseconds of work.
    const size = this.chunk * SEARCH_CHUNKS;
    // Two buffers: the next chunk is read (on libuv's thread) while this one is searched.
    const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    const plan = (first: number): { first: number; end: number; base: number; stop: number } => {
      // The first line whose start is past the chunk budget ends this chunk (at least one line).
      let lo = first + 1;
      let hi = to;
      const limit = this.startOf(first) + size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.startOf(mid) <= limit) lo = mid + 1;
        else hi = mid;
      }
      const end = Math.max(first + 1, lo - 1);
      return { first, end, base: this.startOf(first), stop: this.startOf(end) };
    };
    const fetch = (chunk: ReturnType<typeof plan>, k: number) => {
      // One line may be longer than a chunk.
      if (chunk.stop - chunk.base > buffers[k]!.length) {
        buffers[k] = Buffer.allocUnsafe(chunk.stop - chunk.base);
      }
      return this.read(chunk.base, chunk.stop, buffers[k]);
    };
    if (from >= to) return;
    let current = plan(from);
    let reading = fetch(current, 0);
    try {
      for (let k = 0; ; k ^= 1) {
        const bytes = await reading;
        const next = current.end < to ? plan(current.end) : null;
        if (next) reading = fetch(next, k ^ 1);
        foldAscii(bytes, 0, bytes.length);
        yield { bytes, base: current.base, first: current.first, end: current.end };
        if (!next) return;
        current = next;
      }
    } finally {
      // A search that stops early leaves the read ahead in flight: wait for it, so its
      // failure is not an unhandled rejection and the next search may use the buffers.
      await reading.catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    // Failing to close a read-only handle changes nothing here.
    await this.file.close().catch(() => {});
  }

  /** Bytes [begin, end), read into `into` when given (it must be large enough). */
  private async read(begin: number, end: number, into?: Buffer): Promise<Buffer> {
    const length = Math.max(0, end - begin);
    const buf = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
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
    this.foldingLetters.clear();
  }

  /** Reads chunks starting at the first unindexed line; a line longer than a chunk grows it. */
  private async scan(size: number): Promise<void> {
    let buf = (this.readBuf ??= Buffer.allocUnsafe(this.chunk));
    while (this.scanned < size) {
      const base = this.scanned;
      const want = Math.min(buf.length, size - base);
      const { bytesRead } = await this.file.read(buf, 0, want, base);
      if (bytesRead === 0) break;
      const next = this.indexLines(buf.subarray(0, bytesRead), base, 0);
      // Noted once here so that searches skip looking for them in the (usual) file without.
      for (const { bytes, letter } of FOLDS_TO_ASCII) {
        if (!this.foldingLetters.has(letter) && buf.subarray(0, next).includes(bytes)) {
          this.foldingLetters.add(letter);
        }
      }
      if (next === 0) {
        if (base + bytesRead >= size) break; // the partial last line
        if (buf.length < this.maxBuffer) {
          buf = this.readBuf = Buffer.allocUnsafe(buf.length * 2);
          continue;
        }
        // A "line" longer than the buffer's ceiling (64 MiB) is not a log line: it is
        // shown in pieces rather than making the reader hold all of it.
        this.push(base, levelCode(buf, 0, bytesRead));
        this.scanned = base + bytesRead;
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
