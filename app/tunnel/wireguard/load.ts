/**
 * Decides when the device is "under load" (whitepaper §5.3), judged as each
 * queued handshake message is taken for work. As in wireguard-go: when
 * `threshold` messages or more still wait in the handshake queue. And, because
 * this core's X25519 is some 30 times slower than wireguard-go's, also when
 * more handshakes would reach Diffie-Hellman without a cookie than
 * UNDER_LOAD_NOISE_PER_SECOND (with a burst of as many): a flood the worker
 * keeps up with never backs the queue up, but would still cost its DH work.
 * Either way the state lasts UNDER_LOAD_AFTER_TIME after it was last seen.
 */
import { UNDER_LOAD_AFTER_TIME, UNDER_LOAD_NOISE_PER_SECOND } from './constants.js';
import { TokenBucket } from './ratelimiter.js';

export class LoadMonitor {
  private readonly noise: TokenBucket;
  private underLoadUntil = Number.NEGATIVE_INFINITY;

  /** threshold 0 = always under load (forces cookies). */
  constructor(
    private readonly threshold: number,
    maxThreshold: number,
    now: number,
  ) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > maxThreshold) {
      throw new Error(`under-load threshold must be an integer 0..${maxThreshold}`);
    }
    this.noise = new TokenBucket(UNDER_LOAD_NOISE_PER_SECOND, UNDER_LOAD_NOISE_PER_SECOND, now);
  }

  /**
   * Whether the message just taken is worked under load, given how many wait
   * behind it. When this says no, the message goes on to Diffie-Hellman, which
   * is what the allowance counts.
   */
  underLoad(waiting: number, now: number): boolean {
    if (waiting >= this.threshold || (now >= this.underLoadUntil && !this.noise.take(now))) {
      this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME;
      return true;
    }
    return now < this.underLoadUntil;
  }
}
