/**
 * Groups encrypted datagrams for UDP generic segmentation offload (GSO).
 *
 * One `sendmsg` with a `UDP_SEGMENT` control message carries many datagrams to
 * one destination if they are laid out back to back and all have the same size,
 * except the last, which may be shorter. WireGuard makes that common: during a
 * bulk transfer nearly every inner packet is MTU-sized, so nearly every
 * encrypted datagram is too.
 *
 * Unlike a queue keyed only by (destination, size), runs here stay in arrival
 * order per destination: a short datagram closes the current run, and the next
 * full-size one starts a new run behind it. Nothing to one peer is reordered,
 * which TCP inside the tunnel would read as loss.
 *
 * The queue copies each datagram into a reusable 64 KiB chunk, so callers may
 * hand it views of buffers they will overwrite, and steady-state operation
 * allocates nothing. With a CopyQueue (the engine's), those copies are deferred:
 * the caller then keeps each view's bytes unchanged until the copy queue or this
 * queue is flushed.
 */
import { CopyQueue } from './copy-queue.js';

/** Linux's UDP_MAX_SEGMENTS. */
export const MAX_SEGMENTS = 64;
/** Largest UDP payload an IPv4 datagram can carry; also within IPv6's limit. */
export const MAX_SUPER_DATAGRAM = 65_507;

export interface GsoQueueOptions {
  maxSegments?: number;
  maxBytes?: number;
  /** Where datagrams are copied into chunks. Default: at once. */
  copies?: CopyQueue;
}

/** Receives one run: `data` is `count` datagrams of `segmentSize` bytes, the last maybe shorter. */
export type RunSink<D> = (
  destination: D,
  data: Uint8Array,
  segmentSize: number,
  count: number,
) => void;

interface Run {
  chunk: Uint8Array;
  segmentSize: number;
  count: number;
  bytes: number;
  /** A shorter datagram ended the run: nothing may follow it. */
  closed: boolean;
}

export class GsoQueue<D> {
  private readonly maxSegments: number;
  private readonly maxBytes: number;
  /** Keyed by the destination value itself (the same object for one peer's endpoint). */
  private readonly byDestination = new Map<D, Run[]>();
  private readonly freeChunks: Uint8Array[] = [];
  private queued = 0;
  private readonly copies: CopyQueue;

  constructor(options: GsoQueueOptions = {}) {
    this.copies = options.copies ?? new CopyQueue(null);
    this.maxSegments = Math.min(options.maxSegments ?? MAX_SEGMENTS, MAX_SEGMENTS);
    this.maxBytes = Math.min(options.maxBytes ?? MAX_SUPER_DATAGRAM, MAX_SUPER_DATAGRAM);
  }

  /** Datagrams waiting for the next flush. */
  get pending(): number {
    return this.queued;
  }

  /**
   * Queues one datagram for `destination`.
   * Throws RangeError for an empty datagram or one larger than a super-datagram.
   */
  enqueue(destination: D, datagram: Uint8Array): void {
    const len = datagram.length;
    if (len === 0 || len > this.maxBytes)
      throw new RangeError(`datagram of ${len} bytes cannot be queued`);
    let runs = this.byDestination.get(destination);
    if (!runs) {
      runs = [];
      this.byDestination.set(destination, runs);
    }
    let run = runs[runs.length - 1];
    if (!run || !this.fits(run, len)) {
      run = { chunk: this.takeChunk(), segmentSize: len, count: 0, bytes: 0, closed: false };
      runs.push(run);
    }
    this.copies.add(run.chunk, run.bytes, datagram);
    run.bytes += len;
    run.count++;
    if (len < run.segmentSize) run.closed = true;
    this.queued++;
  }

  /** Hands every run to `sink` (per destination, in arrival order) and empties the queue. */
  flush(sink: RunSink<D>): void {
    this.copies.flush();
    for (const [destination, runs] of this.byDestination) {
      for (const run of runs) {
        sink(destination, run.chunk.subarray(0, run.bytes), run.segmentSize, run.count);
        this.freeChunks.push(run.chunk);
      }
    }
    this.byDestination.clear();
    this.queued = 0;
  }

  private fits(run: Run, len: number): boolean {
    return (
      !run.closed &&
      len <= run.segmentSize &&
      run.count < this.maxSegments &&
      run.bytes + len <= this.maxBytes
    );
  }

  private takeChunk(): Uint8Array {
    return this.freeChunks.pop() ?? new Uint8Array(this.maxBytes);
  }
}
