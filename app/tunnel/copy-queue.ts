/**
 * Byte copies the data path defers, then does many at a time.
 *
 * Every packet is copied into a crypto lane (a SharedArrayBuffer the workers
 * seal and open in place) and out of it again. V8 copies to or from shared
 * memory with a word-by-word "relaxed" memmove; at 2 Gbit/s that was 18 % of
 * the main thread. Queued here instead, the copies of a batch go to the addon's
 * copyRanges in one call per (destination, source buffer) pair, as plain memcpy.
 *
 * The rule for callers: a queued copy has not happened yet. `flush()` before
 * anything reads the destination (a lane handed to the workers, a TUN write, a
 * UDP send) and before the source may change (the addon's read arena is reused
 * after the batch callback returns; a lane is refilled once it is idle).
 */
export type CopyRanges = (
  dst: Uint8Array,
  src: Uint8Array,
  ranges: Uint32Array,
  count: number,
) => void;

/** copyRanges in JavaScript: what runs when the addon does not provide it. */
export const copyRangesInJs: CopyRanges = (dst, src, ranges, count) => {
  for (let i = 0; i < count; i++) {
    const from = ranges[3 * i + 1]!;
    dst.set(src.subarray(from, from + ranges[3 * i + 2]!), ranges[3 * i]!);
  }
};

const MAX_RANGES = 512;

export class CopyQueue {
  private dst: Uint8Array | null = null;
  private srcBuffer: ArrayBufferLike | null = null;
  private srcView: Uint8Array | null = null;
  private readonly ranges = new Uint32Array(3 * MAX_RANGES);
  private count = 0;
  /** Calls of copyRanges, for the counters. */
  batches = 0;

  /** `copyRanges` null: every copy happens at once, in add() (tests, fakes). */
  constructor(private readonly copyRanges: CopyRanges | null) {}

  /** Queues copying all of `src` to `dst[dstOffset]`; throws RangeError if it cannot fit. */
  add(dst: Uint8Array, dstOffset: number, src: Uint8Array): void {
    if (dstOffset + src.length > dst.length)
      throw new RangeError(`copy of ${src.length} bytes does not fit at ${dstOffset}`);
    // Nothing to copy (a keepalive's empty packet); its buffer must not become the source.
    if (src.length === 0) return;
    if (!this.copyRanges) {
      dst.set(src, dstOffset);
      return;
    }
    if (
      this.count > 0 &&
      (dst !== this.dst || src.buffer !== this.srcBuffer || this.count === MAX_RANGES)
    ) {
      this.flush();
    }
    if (this.count === 0) {
      this.dst = dst;
      if (src.buffer !== this.srcBuffer) {
        this.srcBuffer = src.buffer;
        this.srcView = new Uint8Array(src.buffer);
      }
    }
    const r = this.ranges;
    const i = 3 * this.count++;
    r[i] = dstOffset;
    r[i + 1] = src.byteOffset;
    r[i + 2] = src.length;
  }

  /** Does every queued copy now. */
  flush(): void {
    if (this.count === 0) return;
    const n = this.count;
    this.count = 0;
    this.batches++;
    this.copyRanges!(this.dst!, this.srcView!, this.ranges, n);
    // The destination may be a lane: do not keep it alive longer than needed.
    this.dst = null;
  }
}
