/**
 * Who may make the device do Diffie-Hellman work (whitepaper §5.3, the rules
 * of wireguard-go's handshake workers). Every initiation and response must
 * carry a valid mac1 before it is even queued. When taken from the queue while
 * not under load, it is admitted; under load, only with a valid mac2 (proof
 * that the sender receives at its source address) and within its source's
 * rate. Without a valid mac2 it earns a cookie reply instead, and those are
 * capped per source and in total, so that forged source addresses cannot turn
 * the device into a reflector or make it spend its time answering.
 */
import { COOKIE_REPLIES_PER_SECOND, COOKIE_REPLY_BURST } from './constants.js';
import { CookieChecker } from './cookie.js';
import { endpointBytes } from './ip.js';
import { Initiation, readU32 } from './messages.js';
import { Ratelimiter, TokenBucket } from './ratelimiter.js';
import type { Effect, Endpoint } from './types.js';

/**
 * admit: go on to the Noise handshake. cookie-sent: answered with a cookie
 * reply. unanswered: a cookie reply was due but the caps withheld it.
 * rate-limited: valid mac2, but its source has used up its rate.
 */
export type Admission = 'admit' | 'cookie-sent' | 'unanswered' | 'rate-limited';

export class HandshakeAdmission {
  private readonly checker: CookieChecker;
  private readonly handshakeRate: Ratelimiter;
  private readonly replyRate: Ratelimiter;
  private readonly replyBucket: TokenBucket;
  /** Cookie replies sent since the device started. */
  repliesSent = 0;

  constructor(
    ownPublicKey: Uint8Array,
    now: number,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {
    this.checker = new CookieChecker(ownPublicKey);
    this.handshakeRate = new Ratelimiter(now);
    this.replyRate = new Ratelimiter(now);
    this.replyBucket = new TokenBucket(COOKIE_REPLIES_PER_SECOND, COOKIE_REPLY_BURST, now);
  }

  checkMac1(message: Uint8Array): boolean {
    return this.checker.checkMac1(message);
  }

  /** The verdict on an initiation or response (mac1 already checked); a cookie reply goes to `out`. */
  admit(
    message: Uint8Array,
    from: Endpoint,
    underLoad: boolean,
    now: number,
    out: Effect[],
  ): Admission {
    if (!underLoad) return 'admit';
    const source = endpointBytes(from.host, from.port);
    if (this.checker.checkMac2(message, source, now)) {
      return this.handshakeRate.allow(from.host, now) ? 'admit' : 'rate-limited';
    }
    // Per source first, so that one busy source cannot use up the shared allowance.
    if (!this.replyRate.allow(from.host, now) || !this.replyBucket.take(now)) return 'unanswered';
    // The sender index sits at the same offset in initiations and responses.
    const reply = this.checker.createReply(
      message,
      readU32(message, Initiation.sender),
      source,
      now,
      this.randomBytes,
    );
    out.push({ type: 'udp', to: { host: from.host, port: from.port }, data: reply });
    this.repliesSent++;
    return 'cookie-sent';
  }
}
