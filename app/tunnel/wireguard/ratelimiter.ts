/**
 * Per-source token bucket for handshake messages while under load
 * (whitepaper §5.3; wireguard-go ratelimiter.go): 20 per second with a burst
 * of 5, keyed by IPv4 address or IPv6 /64. Entries idle for a second are
 * swept so the table stays bounded by the recent sender count.
 */
import { RATELIMIT_BURST, RATELIMIT_PACKETS_PER_SECOND } from './constants.js';
import { parseIpLiteral } from './ip.js';

const PACKET_COST = 1000 / RATELIMIT_PACKETS_PER_SECOND; // ms of tokens per packet
const MAX_TOKENS = PACKET_COST * RATELIMIT_BURST;
const IDLE_TIME = 1000;
/** Beyond this many tracked sources, unknown ones are refused rather than tracked. */
const MAX_ENTRIES = 65536;

interface Bucket {
  tokens: number;
  last: number;
}

export class Ratelimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(now: number) {
    this.lastSweep = now;
  }

  allow(host: string, now: number): boolean {
    if (now - this.lastSweep > IDLE_TIME) this.sweep(now);
    const key = sourceKey(host);
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_ENTRIES) return false;
      this.buckets.set(key, { tokens: MAX_TOKENS - PACKET_COST, last: now });
      return true;
    }
    bucket.tokens = Math.min(MAX_TOKENS, bucket.tokens + Math.max(0, now - bucket.last));
    bucket.last = now;
    if (bucket.tokens >= PACKET_COST) {
      bucket.tokens -= PACKET_COST;
      return true;
    }
    return false;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.last > IDLE_TIME) this.buckets.delete(key);
    }
  }
}

function sourceKey(host: string): string {
  const ip = parseIpLiteral(host);
  if (!ip) return host;
  if (ip.length === 4) return ip.join('.');
  return Buffer.from(ip.subarray(0, 8)).toString('hex');
}

/** One token bucket: `perSecond` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
