/**
 * An independent, deliberately plain implementation of the WireGuard
 * messages, written step by step from the whitepaper (§5.4) so the core can be
 * checked byte for byte against something that shares none of its code.
 *
 * To be independent at the primitive level too, it uses OpenSSL (node:crypto)
 * for BLAKE2s, HMAC-BLAKE2s, ChaCha20-Poly1305 and X25519. Only keyed BLAKE2s
 * with a 16-byte output (MAC) and XChaCha20-Poly1305, which OpenSSL does not
 * offer through node, come from @noble. Slow and allocation-happy on purpose:
 * clarity is its only job. Every failure throws.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
} from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2s } from '@noble/hashes/blake2.js';

const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

export function HASH(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('blake2s256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function MAC(key: Uint8Array, input: Uint8Array): Uint8Array {
  return blake2s(input, { key, dkLen: 16 });
}

export function HMAC(key: Uint8Array, input: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('blake2s256', key).update(input).digest());
}

/** KDF_n of the whitepaper: τ0 = HMAC(key, input), τi = HMAC(τ0, τi-1 || i). */
export function KDF(n: number, key: Uint8Array, input: Uint8Array): Uint8Array[] {
  const t0 = HMAC(key, input);
  const out: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= n; i++) {
    previous = HMAC(t0, cat(previous, Uint8Array.of(i)));
    out.push(previous);
  }
  return out;
}

/** 32 zero bits, then the 64-bit counter little endian. */
function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

export function AEAD(
  key: Uint8Array,
  counter: bigint,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce(counter), { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  return cat(c.update(plaintext), c.final(), c.getAuthTag());
}

export function AEAD_OPEN(
  key: Uint8Array,
  counter: bigint,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (ciphertext.length < 16) throw new Error('ciphertext shorter than a tag');
  const d = createDecipheriv('chacha20-poly1305', key, nonce(counter), { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: ciphertext.length - 16 });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return cat(d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final());
}

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function privateKeyObject(priv: Uint8Array) {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, priv]),
    format: 'der',
    type: 'pkcs8',
  });
}

export function DH_PUBKEY(priv: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(priv)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

export function DH(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_X25519, pub]),
    format: 'der',
    type: 'spki',
  });
  return new Uint8Array(diffieHellman({ privateKey: privateKeyObject(priv), publicKey }));
}

/** TAI64N of a Unix time in ms, nanoseconds rounded down to 2^24 as the reference implementations do. */
export function TAI64N(unixMs: number): Uint8Array {
  const out = Buffer.alloc(12);
  const seconds = Math.floor(unixMs / 1000);
  out.writeBigUInt64BE(2n ** 62n + 10n + BigInt(seconds), 0);
  const nanos = (unixMs - seconds * 1000) * 1_000_000;
  out.writeUInt32BE(nanos - (nanos % 2 ** 24), 8);
  return new Uint8Array(out);
}

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return new Uint8Array(b);
};
const readU32 = (m: Uint8Array, at: number) => Buffer.from(m).readUInt32LE(at);

export const CONSTRUCTION_HASH = HASH(text('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'));
export const IDENTIFIER_HASH = HASH(CONSTRUCTION_HASH, text('WireGuard v1 zx2c4 Jason@zx2c4.com'));

// ------------------------------------------------------------------ macs

/** mac1 = MAC(HASH("mac1----" || receiver public key), message up to mac1). */
export function mac1(message: Uint8Array, receiverPublic: Uint8Array): Uint8Array {
  return MAC(HASH(text('mac1----'), receiverPublic), message.subarray(0, message.length - 32));
}

/** mac2 = MAC(cookie, message up to mac2). */
export function mac2(message: Uint8Array, cookie: Uint8Array): Uint8Array {
  return MAC(cookie, message.subarray(0, message.length - 16));
}

/** Fills both macs (mac2 zero without a cookie) of a handshake message in place. */
export function addMacs(message: Uint8Array, receiverPublic: Uint8Array, cookie?: Uint8Array) {
  message.set(mac1(message, receiverPublic), message.length - 32);
  message.set(cookie ? mac2(message, cookie) : new Uint8Array(16), message.length - 16);
}

// ------------------------------------------------------------------ handshake

export interface InitiatorState {
  c: Uint8Array;
  h: Uint8Array;
  ephemeralPrivate: Uint8Array;
  staticPrivate: Uint8Array;
  psk: Uint8Array;
  senderIndex: number;
}

/** Message 1, §5.4.2. */
export function buildInitiation(p: {
  staticPrivate: Uint8Array;
  responderPublic: Uint8Array;
  ephemeralPrivate: Uint8Array;
  senderIndex: number;
  timestamp: Uint8Array;
  psk?: Uint8Array;
  cookie?: Uint8Array;
}): { message: Uint8Array; state: InitiatorState } {
  let c = CONSTRUCTION_HASH;
  let h = HASH(IDENTIFIER_HASH, p.responderPublic);
  const ephemeralPublic = DH_PUBKEY(p.ephemeralPrivate);
  c = KDF(1, c, ephemeralPublic)[0]!;
  h = HASH(h, ephemeralPublic);
  let k: Uint8Array;
  [c, k] = KDF(2, c, DH(p.ephemeralPrivate, p.responderPublic)) as [Uint8Array, Uint8Array];
  const encryptedStatic = AEAD(k, 0n, DH_PUBKEY(p.staticPrivate), h);
  h = HASH(h, encryptedStatic);
  [c, k] = KDF(2, c, DH(p.staticPrivate, p.responderPublic)) as [Uint8Array, Uint8Array];
  const encryptedTimestamp = AEAD(k, 0n, p.timestamp, h);
  h = HASH(h, encryptedTimestamp);
  const message = cat(
    u32(1),
    u32(p.senderIndex),
    ephemeralPublic,
    encryptedStatic,
    encryptedTimestamp,
    new Uint8Array(32),
  );
  addMacs(message, p.responderPublic, p.cookie);
  return {
    message,
    state: {
      c,
      h,
      ephemeralPrivate: p.ephemeralPrivate,
      staticPrivate: p.staticPrivate,
      psk: p.psk ?? new Uint8Array(32),
      senderIndex: p.senderIndex,
    },
  };
}

export interface ReadInitiation {
  initiatorPublic: Uint8Array;
  ephemeralPublic: Uint8Array;
  timestamp: Uint8Array;
  senderIndex: number;
  c: Uint8Array;
  h: Uint8Array;
}

/** The responder's side of message 1 (mac1 checked, mac2 not). */
export function readInitiation(responderPrivate: Uint8Array, message: Uint8Array): ReadInitiation {
  if (message.length !== 148) throw new Error('initiation must be 148 bytes');
  if (readU32(message, 0) !== 1) throw new Error('not an initiation');
  const responderPublic = DH_PUBKEY(responderPrivate);
  if (Buffer.compare(mac1(message, responderPublic), message.subarray(116, 132)) !== 0) {
    throw new Error('bad mac1');
  }
  const ephemeralPublic = message.slice(8, 40);
  let c = KDF(1, CONSTRUCTION_HASH, ephemeralPublic)[0]!;
  let h = HASH(HASH(IDENTIFIER_HASH, responderPublic), ephemeralPublic);
  let k: Uint8Array;
  [c, k] = KDF(2, c, DH(responderPrivate, ephemeralPublic)) as [Uint8Array, Uint8Array];
  const encryptedStatic = message.subarray(40, 88);
  const initiatorPublic = AEAD_OPEN(k, 0n, encryptedStatic, h);
  h = HASH(h, encryptedStatic);
  [c, k] = KDF(2, c, DH(responderPrivate, initiatorPublic)) as [Uint8Array, Uint8Array];
  const encryptedTimestamp = message.subarray(88, 116);
  const timestamp = AEAD_OPEN(k, 0n, encryptedTimestamp, h);
  h = HASH(h, encryptedTimestamp);
  return { initiatorPublic, ephemeralPublic, timestamp, senderIndex: readU32(message, 4), c, h };
}

export interface TransportKeys {
  send: Uint8Array;
  receive: Uint8Array;
}

/** Message 2, §5.4.3, and the responder's transport keys (§5.4.5). */
export function buildResponse(p: {
  read: ReadInitiation;
  ephemeralPrivate: Uint8Array;
  senderIndex: number;
  psk?: Uint8Array;
  cookie?: Uint8Array;
}): { message: Uint8Array; keys: TransportKeys } {
  const ephemeralPublic = DH_PUBKEY(p.ephemeralPrivate);
  let c = KDF(1, p.read.c, ephemeralPublic)[0]!;
  let h = HASH(p.read.h, ephemeralPublic);
  c = KDF(1, c, DH(p.ephemeralPrivate, p.read.ephemeralPublic))[0]!;
  c = KDF(1, c, DH(p.ephemeralPrivate, p.read.initiatorPublic))[0]!;
  const [c3, tau, k] = KDF(3, c, p.psk ?? new Uint8Array(32)) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  c = c3;
  h = HASH(h, tau);
  const empty = AEAD(k, 0n, new Uint8Array(0), h);
  const message = cat(
    u32(2),
    u32(p.senderIndex),
    u32(p.read.senderIndex),
    ephemeralPublic,
    empty,
    new Uint8Array(32),
  );
  addMacs(message, p.read.initiatorPublic, p.cookie);
  const [initiatorSend, responderSend] = KDF(2, c, new Uint8Array(0)) as [Uint8Array, Uint8Array];
  return { message, keys: { send: responderSend, receive: initiatorSend } };
}

/** The initiator's side of message 2; returns its transport keys and the responder's index. */
export function readResponse(
  state: InitiatorState,
  message: Uint8Array,
): { keys: TransportKeys; senderIndex: number } {
  if (message.length !== 92) throw new Error('response must be 92 bytes');
  if (readU32(message, 0) !== 2) throw new Error('not a response');
  if (readU32(message, 8) !== state.senderIndex) throw new Error('response to another initiation');
  const ownPublic = DH_PUBKEY(state.staticPrivate);
  if (Buffer.compare(mac1(message, ownPublic), message.subarray(60, 76)) !== 0) {
    throw new Error('bad mac1');
  }
  const ephemeralPublic = message.slice(12, 44);
  let c = KDF(1, state.c, ephemeralPublic)[0]!;
  let h = HASH(state.h, ephemeralPublic);
  c = KDF(1, c, DH(state.ephemeralPrivate, ephemeralPublic))[0]!;
  c = KDF(1, c, DH(state.staticPrivate, ephemeralPublic))[0]!;
  const [c3, tau, k] = KDF(3, c, state.psk) as [Uint8Array, Uint8Array, Uint8Array];
  h = HASH(h, tau);
  AEAD_OPEN(k, 0n, message.subarray(44, 60), h);
  const [initiatorSend, responderSend] = KDF(2, c3, new Uint8Array(0)) as [Uint8Array, Uint8Array];
  return {
    keys: { send: initiatorSend, receive: responderSend },
    senderIndex: readU32(message, 4),
  };
}

// ------------------------------------------------------------------ cookies

/** Decrypts the cookie of a reply sent by `responderPublic`'s owner to a message with `sentMac1`. */
export function openCookieReply(
  reply: Uint8Array,
  responderPublic: Uint8Array,
  sentMac1: Uint8Array,
): Uint8Array {
  if (reply.length !== 64 || readU32(reply, 0) !== 3) throw new Error('not a cookie reply');
  const key = HASH(text('cookie--'), responderPublic);
  return xchacha20poly1305(key, reply.subarray(8, 32), sentMac1).decrypt(reply.subarray(32, 64));
}

/** A cookie reply as a responder would send it. */
export function buildCookieReply(p: {
  receiverIndex: number;
  responderPublic: Uint8Array;
  cookie: Uint8Array;
  nonce: Uint8Array;
  receivedMac1: Uint8Array;
}): Uint8Array {
  const key = HASH(text('cookie--'), p.responderPublic);
  const sealed = xchacha20poly1305(key, p.nonce, p.receivedMac1).encrypt(p.cookie);
  return cat(u32(3), u32(p.receiverIndex), p.nonce, sealed);
}

// ------------------------------------------------------------------ transport

/** Message 4, §5.4.6: `plaintext` is sealed as given (the caller pads). */
export function sealData(
  key: Uint8Array,
  receiverIndex: number,
  counter: bigint,
  plaintext: Uint8Array,
): Uint8Array {
  const c = Buffer.alloc(8);
  c.writeBigUInt64LE(counter);
  return cat(u32(4), u32(receiverIndex), c, AEAD(key, counter, plaintext, new Uint8Array(0)));
}

export function openData(
  key: Uint8Array,
  message: Uint8Array,
): { receiverIndex: number; counter: bigint; plaintext: Uint8Array } {
  if (message.length < 32 || readU32(message, 0) !== 4) throw new Error('not a transport message');
  const counter = Buffer.from(message).readBigUInt64LE(8);
  return {
    receiverIndex: readU32(message, 4),
    counter,
    plaintext: AEAD_OPEN(key, counter, message.subarray(16), new Uint8Array(0)),
  };
}
