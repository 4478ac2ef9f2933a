/**
 * The cookie layer of whitepaper §5.4.4 and §5.4.7: mac1 proves knowledge of
 * the receiver's public key; mac2 proves the sender can receive at its source
 * address, which a responder under load demands before doing any DH.
 */
import {
  COOKIE_NONCE_LENGTH,
  COOKIE_REFRESH_TIME,
  COOKIE_REPLY_SIZE,
  KEY_LENGTH,
  LABEL_COOKIE,
  LABEL_MAC1,
  MAC_LENGTH,
  MESSAGE_COOKIE_REPLY,
} from './constants.js';
import { bytesEqual, hash, mac, xaeadOpen, xaeadSeal } from './crypto.js';
import { CookieReply, mac1Input, mac1Of, mac2Input, mac2Of, writeU32 } from './messages.js';

const encoder = new TextEncoder();
const LABEL_MAC1_BYTES = encoder.encode(LABEL_MAC1);
const LABEL_COOKIE_BYTES = encoder.encode(LABEL_COOKIE);

/** HASH(LABEL_MAC1 || public key): the key of mac1 for messages to that key's owner. */
export function mac1Key(publicKey: Uint8Array): Uint8Array {
  return hash(LABEL_MAC1_BYTES, publicKey);
}

/** HASH(LABEL_COOKIE || public key): encrypts cookie replies sent by that key's owner. */
export function cookieKey(publicKey: Uint8Array): Uint8Array {
  return hash(LABEL_COOKIE_BYTES, publicKey);
}

/** Responder side: validates macs of incoming handshake messages and mints cookies. */
export class CookieChecker {
  private readonly mac1Key: Uint8Array;
  private readonly encryptionKey: Uint8Array;
  /** Rm: the secret cookies are derived from, rotated every COOKIE_REFRESH_TIME. */
  private readonly secret = new Uint8Array(KEY_LENGTH);
  private secretSetAt: number | null = null;
  /** The cookie of the last source asked about: a flood comes from few, and each costs a MAC. */
  private cachedSource: Uint8Array | null = null;
  private readonly cachedCookie = new Uint8Array(MAC_LENGTH);

  constructor(ownPublicKey: Uint8Array) {
    this.mac1Key = mac1Key(ownPublicKey);
    this.encryptionKey = cookieKey(ownPublicKey);
  }

  checkMac1(message: Uint8Array): boolean {
    return bytesEqual(mac(this.mac1Key, mac1Input(message)), mac1Of(message));
  }

  /** mac2 = MAC(cookie, msg up to mac2), cookie = MAC(Rm, source address). */
  checkMac2(message: Uint8Array, source: Uint8Array, now: number): boolean {
    if (this.secretSetAt === null || now - this.secretSetAt > COOKIE_REFRESH_TIME) return false;
    return bytesEqual(mac(this.cookieFor(source), mac2Input(message)), mac2Of(message));
  }

  /** MAC(Rm, source), from the one-entry cache when the source repeats. */
  private cookieFor(source: Uint8Array): Uint8Array {
    if (this.cachedSource === null || !bytesEqual(this.cachedSource, source)) {
      const cookie = mac(this.secret, source);
      this.cachedCookie.set(cookie);
      cookie.fill(0);
      this.cachedSource = new Uint8Array(source);
    }
    return this.cachedCookie;
  }

  private forgetCachedCookie(): void {
    this.cachedCookie.fill(0);
    this.cachedSource = null;
  }

  /** A cookie reply to `message` (whose sender index is `receiverIndex`). */
  createReply(
    message: Uint8Array,
    receiverIndex: number,
    source: Uint8Array,
    now: number,
    randomBytes: (n: number) => Uint8Array,
  ): Uint8Array {
    if (this.secretSetAt === null || now - this.secretSetAt > COOKIE_REFRESH_TIME) {
      this.secret.set(randomBytes(KEY_LENGTH));
      this.secretSetAt = now;
      this.forgetCachedCookie();
    }
    const cookie = this.cookieFor(source);
    const reply = new Uint8Array(COOKIE_REPLY_SIZE);
    writeU32(reply, 0, MESSAGE_COOKIE_REPLY);
    writeU32(reply, CookieReply.receiver, receiverIndex);
    const nonce = randomBytes(COOKIE_NONCE_LENGTH);
    reply.set(nonce.subarray(0, COOKIE_NONCE_LENGTH), CookieReply.nonce);
    reply.set(
      xaeadSeal(
        this.encryptionKey,
        reply.subarray(CookieReply.nonce, CookieReply.cookie),
        cookie,
        mac1Of(message),
      ),
      CookieReply.cookie,
    );
    return reply;
  }

  /** Zeroes Rm (device teardown). */
  clear(): void {
    this.secret.fill(0);
    this.secretSetAt = null;
    this.forgetCachedCookie();
  }
}

/** Initiator side, one per peer: adds macs to outgoing messages and keeps the peer's cookie. */
export class CookieGenerator {
  private readonly mac1Key: Uint8Array;
  private readonly decryptionKey: Uint8Array;
  private readonly lastMac1 = new Uint8Array(MAC_LENGTH);
  private hasLastMac1 = false;
  private readonly cookie = new Uint8Array(MAC_LENGTH);
  private cookieSetAt: number | null = null;

  constructor(peerPublicKey: Uint8Array) {
    this.mac1Key = mac1Key(peerPublicKey);
    this.decryptionKey = cookieKey(peerPublicKey);
  }

  /** Fills mac1, and mac2 while a cookie younger than COOKIE_REFRESH_TIME is held. */
  addMacs(message: Uint8Array, now: number): void {
    const mac1 = mac(this.mac1Key, mac1Input(message));
    message.set(mac1, message.length - 2 * MAC_LENGTH);
    this.lastMac1.set(mac1);
    this.hasLastMac1 = true;
    if (this.cookieSetAt !== null && now - this.cookieSetAt <= COOKIE_REFRESH_TIME) {
      message.set(mac(this.cookie, mac2Input(message)), message.length - MAC_LENGTH);
    } else {
      message.fill(0, message.length - MAC_LENGTH);
    }
  }

  /** Decrypts a cookie reply bound to the last mac1 we sent; false if it does not authenticate. */
  consumeReply(reply: Uint8Array, now: number): boolean {
    if (!this.hasLastMac1) return false;
    const cookie = xaeadOpen(
      this.decryptionKey,
      reply.subarray(CookieReply.nonce, CookieReply.cookie),
      reply.subarray(CookieReply.cookie, CookieReply.size),
      this.lastMac1,
    );
    if (!cookie) return false;
    this.cookie.set(cookie);
    cookie.fill(0);
    this.cookieSetAt = now;
    return true;
  }

  hasValidCookie(now: number): boolean {
    return this.cookieSetAt !== null && now - this.cookieSetAt <= COOKIE_REFRESH_TIME;
  }

  clear(): void {
    this.cookie.fill(0);
    this.cookieSetAt = null;
    this.hasLastMac1 = false;
  }
}
