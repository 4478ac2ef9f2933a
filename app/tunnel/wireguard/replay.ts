/**
 * Sliding-window replay protection for 64-bit transport counters, after
 * RFC 6479: a ring of bitmap words where moving the window forward only
 * clears the words it passes, so a check costs O(1).
 *
 * Counters are given as (high, low) unsigned 32-bit halves so the whole
 * 64-bit range is exact without BigInt on the hot path.
 */
import { REJECT_AFTER_MESSAGES_HI, REJECT_AFTER_MESSAGES_LO } from './constants.js';

const WORD_BITS = 32;
const RING_WORDS = 256; // 8192 bits of ring
const WORD_MASK = RING_WORDS - 1;
/** Counters this far behind the newest are still judged individually. */
export const REPLAY_WINDOW_SIZE = (RING_WORDS - 1) * WORD_BITS; // 8160
const TWO_32 = 4294967296;

/** a - b for 64-bit (hi, lo) values; exact while |a - b| < 2^53, and always of the right sign. */
export function counterDifference(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return (aHi - bHi) * TWO_32 + (aLo - bLo);
}

/** True if the counter is at or beyond REJECT_AFTER_MESSAGES. */
export function counterExhausted(hi: number, lo: number): boolean {
  return hi === REJECT_AFTER_MESSAGES_HI && lo >= REJECT_AFTER_MESSAGES_LO;
}

export class ReplayFilter {
  private lastHi = 0;
  private lastLo = 0;
  private readonly ring = new Uint32Array(RING_WORDS);

  reset(): void {
    this.lastHi = 0;
    this.lastLo = 0;
    this.ring.fill(0);
  }

  /**
   * Whether validate() would accept this counter now, without recording it: a
   * pre-check before spending crypto work on a message. validate() still runs
   * after authentication and has the final word.
   */
  wouldAccept(hi: number, lo: number): boolean {
    if (counterExhausted(hi, lo)) return false;
    const ahead = counterDifference(hi, lo, this.lastHi, this.lastLo);
    if (ahead > 0) return true;
    if (-ahead > REPLAY_WINDOW_SIZE) return false;
    return (this.ring[(lo >>> 5) & WORD_MASK]! & (1 << (lo & 31))) === 0;
  }

  /**
   * Accepts (and records) a counter not seen before and not too old; rejects
   * duplicates, counters behind the window and counters past the message limit.
   * Only call it for packets that already authenticated.
   */
  validate(hi: number, lo: number): boolean {
    if (counterExhausted(hi, lo)) return false;
    const ahead = counterDifference(hi, lo, this.lastHi, this.lastLo);
    if (ahead > 0) {
      // Words strictly after the current one up to the counter's word are stale.
      const currentWord = this.lastLo >>> 5;
      const wordsAhead =
        ahead > RING_WORDS * WORD_BITS * 2
          ? RING_WORDS
          : Math.min(RING_WORDS, (ahead + (this.lastLo & 31) - (lo & 31)) / WORD_BITS);
      for (let i = 1; i <= wordsAhead; i++) this.ring[(currentWord + i) & WORD_MASK] = 0;
      this.lastHi = hi;
      this.lastLo = lo;
    } else if (-ahead > REPLAY_WINDOW_SIZE) {
      return false;
    }
    const word = (lo >>> 5) & WORD_MASK;
    const bit = 1 << (lo & 31);
    const old = this.ring[word]!;
    if ((old & bit) !== 0) return false;
    this.ring[word] = old | bit;
    return true;
  }
}
