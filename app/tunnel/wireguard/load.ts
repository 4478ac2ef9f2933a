/**
 * Decides when the device is "under load" (whitepaper §5.3): more than
 * `threshold` handshake messages within the last second. wireguard-go judges
 * by its handshake queue length; a sans-IO core has no queue, so the arrival
 * rate stands in for it. Like wireguard-go, the state lingers for
 * UNDER_LOAD_AFTER_TIME after the rate drops.
 */
import { UNDER_LOAD_AFTER_TIME } from './constants.js';

const WINDOW = 1000;
/** Bounds the ring so a huge threshold cannot allocate unbounded memory. */
export const MAX_UNDER_LOAD_THRESHOLD = 1 << 16;

export class LoadMonitor {
  /** Arrival times of the last threshold + 1 handshake messages. */
  private readonly arrivals: Float64Array;
  private next = 0;
  private count = 0;
  private underLoadUntil = Number.NEGATIVE_INFINITY;

  /** threshold 0 = always under load (useful to force cookies). */
  constructor(threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_UNDER_LOAD_THRESHOLD) {
      throw new Error(`under-load threshold must be an integer 0..${MAX_UNDER_LOAD_THRESHOLD}`);
    }
    this.arrivals = new Float64Array(threshold + 1);
  }

  /** Records one handshake message at `now` and says whether we are now under load. */
  record(now: number): boolean {
    const size = this.arrivals.length;
    this.arrivals[this.next] = now;
    this.next = (this.next + 1) % size;
    if (this.count < size) this.count++;
    // The oldest of the last threshold+1 arrivals lies within the window: rate exceeded.
    if (this.count === size && now - this.arrivals[this.next % size]! < WINDOW) {
      this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME;
      return true;
    }
    return now < this.underLoadUntil;
  }
}
