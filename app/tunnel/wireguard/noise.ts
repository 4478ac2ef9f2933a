/**
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard instantiates it
 * (whitepaper §5.4.2–§5.4.4): building and consuming the initiation and the
 * response, and deriving the transport keys. No I/O and no time source: the
 * caller supplies ephemeral private keys, timestamps, indices and `now`.
 */
import {
  CONSTRUCTION,
  IDENTIFIER,
  KEY_LENGTH,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  TIMESTAMP_LENGTH,
} from './constants.js';
import {
  aeadOpenZeroNonce,
  aeadSealZeroNonce,
  compareBytes,
  dh,
  dhPublic,
  hash,
  kdf,
} from './crypto.js';
import { HANDSHAKE_INITIATION_RATE } from './constants.js';
import { Initiation, Response, readU32, writeU32 } from './messages.js';

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** C0 = HASH(CONSTRUCTION) */
export const INITIAL_CHAIN_KEY: Uint8Array = hash(encoder.encode(CONSTRUCTION));
/** H0 = HASH(C0 || IDENTIFIER) */
export const INITIAL_HASH: Uint8Array = hash(INITIAL_CHAIN_KEY, encoder.encode(IDENTIFIER));

export type HandshakeStage =
  | 'zeroed'
  | 'initiation-created'
  | 'initiation-consumed'
  | 'response-created'
  | 'response-consumed';

/** The per-peer handshake state (wireguard-go's `Handshake`). */
export class HandshakeState {
  stage: HandshakeStage = 'zeroed';
  chainKey = new Uint8Array(KEY_LENGTH);
  hash = new Uint8Array(KEY_LENGTH);
  localEphemeral = new Uint8Array(KEY_LENGTH);
  remoteEphemeral = new Uint8Array(KEY_LENGTH);
  /** Our index for the handshake in progress, 0 = none. */
  localIndex = 0;
  remoteIndex = 0;
  /** Greatest TAI64N accepted from this peer: initiations must exceed it. */
  lastTimestamp: Uint8Array = new Uint8Array(TIMESTAMP_LENGTH);
  lastInitiationConsumption: number | null = null;
  /** When we last sent an initiation or response; rate-limits initiations. */
  lastSentHandshake: number | null = null;

  /** Forget the session-specific secrets; keeps replay/flood protection state. */
  clear(): void {
    this.chainKey.fill(0);
    this.hash.fill(0);
    this.localEphemeral.fill(0);
    this.remoteEphemeral.fill(0);
    this.localIndex = 0;
    this.remoteIndex = 0;
    this.stage = 'zeroed';
  }
}

/** Our static identity, with the hash the responder starts from precomputed. */
export class NoiseIdentity {
  readonly publicKey: Uint8Array;
  /** HASH(H0 || S_pub): the responder's initial hash. */
  readonly responderHash: Uint8Array;
  constructor(readonly privateKey: Uint8Array) {
    this.publicKey = dhPublic(privateKey);
    this.responderHash = hash(INITIAL_HASH, this.publicKey);
  }
}

/** What the handshake needs to know about one peer. */
export interface NoisePeer {
  readonly remoteStatic: Uint8Array;
  readonly presharedKey: Uint8Array;
  /** DH(our static private, peer static public), computed once. */
  readonly staticStatic: Uint8Array;
  /** HASH(H0 || peer static public): the initiator's initial hash. */
  readonly initiatorHash: Uint8Array;
  readonly handshake: HandshakeState;
}

/** Precomputes the per-peer values; null if the peer's key is low-order. */
export function peerSecrets(
  identity: NoiseIdentity,
  remoteStatic: Uint8Array,
): { staticStatic: Uint8Array; initiatorHash: Uint8Array } | null {
  const staticStatic = dh(identity.privateKey, remoteStatic);
  if (!staticStatic) return null;
  return { staticStatic, initiatorHash: hash(INITIAL_HASH, remoteStatic) };
}

/**
 * Builds a handshake initiation (macs left zero for the cookie layer) and
 * records the state needed to consume the response. Null if a DH is zero.
 */
export function createInitiation(
  identity: NoiseIdentity,
  peer: NoisePeer,
  localIndex: number,
  ephemeralPrivate: Uint8Array,
  timestamp: Uint8Array,
): Uint8Array | null {
  const hs = peer.handshake;
  const ephemeralPublic = dhPublic(ephemeralPrivate);
  const es = dh(ephemeralPrivate, peer.remoteStatic);
  if (!es) return null;

  const msg = new Uint8Array(Initiation.size);
  writeU32(msg, 0, MESSAGE_INITIATION);
  writeU32(msg, Initiation.sender, localIndex);
  msg.set(ephemeralPublic, Initiation.ephemeral);

  let c = kdf(1, INITIAL_CHAIN_KEY, ephemeralPublic)[0]!;
  let h = hash(peer.initiatorHash, ephemeralPublic);
  let [c2, k] = kdf(2, c, es) as [Uint8Array, Uint8Array];
  c = c2;
  const encryptedStatic = aeadSealZeroNonce(k, identity.publicKey, h);
  msg.set(encryptedStatic, Initiation.static);
  h = hash(h, encryptedStatic);
  [c2, k] = kdf(2, c, peer.staticStatic) as [Uint8Array, Uint8Array];
  c = c2;
  const encryptedTimestamp = aeadSealZeroNonce(k, timestamp, h);
  msg.set(encryptedTimestamp, Initiation.timestamp);
  h = hash(h, encryptedTimestamp);
  es.fill(0);
  k.fill(0);

  hs.chainKey.set(c);
  hs.hash.set(h);
  hs.localEphemeral.set(ephemeralPrivate);
  hs.localIndex = localIndex;
  hs.remoteIndex = 0;
  hs.stage = 'initiation-created';
  return msg;
}

/** First half of consuming an initiation: who claims to be sending it. */
export interface OpenedInitiation {
  remoteStatic: Uint8Array;
  remoteEphemeral: Uint8Array;
  senderIndex: number;
  chainKey: Uint8Array;
  hash: Uint8Array;
}

/**
 * Decrypts the initiator's static key ('rejected' for a low-order ephemeral,
 * 'decrypt' if it does not authenticate). The caller then looks the peer up.
 */
export function openInitiation(
  identity: NoiseIdentity,
  msg: Uint8Array,
): OpenedInitiation | 'rejected' | 'decrypt' {
  const remoteEphemeral = msg.slice(Initiation.ephemeral, Initiation.ephemeral + KEY_LENGTH);
  const es = dh(identity.privateKey, remoteEphemeral);
  if (!es) return 'rejected';
  const c1 = kdf(1, INITIAL_CHAIN_KEY, remoteEphemeral)[0]!;
  let h = hash(identity.responderHash, remoteEphemeral);
  const [c, k] = kdf(2, c1, es) as [Uint8Array, Uint8Array];
  es.fill(0);
  const encryptedStatic = msg.subarray(Initiation.static, Initiation.timestamp);
  const remoteStatic = aeadOpenZeroNonce(k, encryptedStatic, h);
  k.fill(0);
  if (!remoteStatic) return 'decrypt';
  h = hash(h, encryptedStatic);
  return {
    remoteStatic,
    remoteEphemeral,
    senderIndex: readU32(msg, Initiation.sender),
    chainKey: c,
    hash: h,
  };
}

export type ConsumeResult = 'ok' | 'decrypt' | 'replay' | 'flood';

/**
 * Second half: authenticates the timestamp with the peer's static-static DH,
 * enforces the TAI64N replay and flood rules, and commits the state.
 */
export function consumeInitiation(
  opened: OpenedInitiation,
  peer: NoisePeer,
  msg: Uint8Array,
  now: number,
): ConsumeResult {
  const [c, k] = kdf(2, opened.chainKey, peer.staticStatic) as [Uint8Array, Uint8Array];
  const encryptedTimestamp = msg.subarray(Initiation.timestamp, Initiation.mac1);
  const timestamp = aeadOpenZeroNonce(k, encryptedTimestamp, opened.hash);
  k.fill(0);
  if (!timestamp) return 'decrypt';
  const h = hash(opened.hash, encryptedTimestamp);
  const hs = peer.handshake;
  if (compareBytes(timestamp, hs.lastTimestamp) <= 0) return 'replay';
  if (
    hs.lastInitiationConsumption !== null &&
    now - hs.lastInitiationConsumption <= HANDSHAKE_INITIATION_RATE
  ) {
    return 'flood';
  }
  hs.chainKey.set(c);
  hs.hash.set(h);
  hs.remoteIndex = opened.senderIndex;
  hs.remoteEphemeral.set(opened.remoteEphemeral);
  hs.lastTimestamp = timestamp;
  hs.lastInitiationConsumption = now;
  hs.stage = 'initiation-consumed';
  c.fill(0);
  return 'ok';
}

/** Builds the response to a consumed initiation. Null if the state is wrong or a DH is zero. */
export function createResponse(
  peer: NoisePeer,
  localIndex: number,
  ephemeralPrivate: Uint8Array,
): Uint8Array | null {
  const hs = peer.handshake;
  if (hs.stage !== 'initiation-consumed') return null;
  const ephemeralPublic = dhPublic(ephemeralPrivate);
  const ee = dh(ephemeralPrivate, hs.remoteEphemeral);
  const se = dh(ephemeralPrivate, peer.remoteStatic);
  if (!ee || !se) return null;

  const msg = new Uint8Array(Response.size);
  writeU32(msg, 0, MESSAGE_RESPONSE);
  writeU32(msg, Response.sender, localIndex);
  writeU32(msg, Response.receiver, hs.remoteIndex);
  msg.set(ephemeralPublic, Response.ephemeral);

  let h = hash(hs.hash, ephemeralPublic);
  let c = kdf(1, hs.chainKey, ephemeralPublic)[0]!;
  c = kdf(1, c, ee)[0]!;
  c = kdf(1, c, se)[0]!;
  const [c3, tau, k] = kdf(3, c, peer.presharedKey) as [Uint8Array, Uint8Array, Uint8Array];
  h = hash(h, tau);
  const empty = aeadSealZeroNonce(k, EMPTY, h);
  msg.set(empty, Response.empty);
  h = hash(h, empty);
  ee.fill(0);
  se.fill(0);
  tau.fill(0);
  k.fill(0);

  hs.chainKey.set(c3);
  hs.hash.set(h);
  hs.localEphemeral.set(ephemeralPrivate);
  hs.localIndex = localIndex;
  hs.stage = 'response-created';
  return msg;
}

/**
 * Consumes a response to our initiation. The caller has already matched the
 * receiver index to this peer's handshake.
 */
export function consumeResponse(
  identity: NoiseIdentity,
  peer: NoisePeer,
  msg: Uint8Array,
): 'ok' | 'decrypt' | 'state' {
  const hs = peer.handshake;
  if (hs.stage !== 'initiation-created') return 'state';
  const remoteEphemeral = msg.subarray(Response.ephemeral, Response.ephemeral + KEY_LENGTH);
  const ee = dh(hs.localEphemeral, remoteEphemeral);
  const se = dh(identity.privateKey, remoteEphemeral);
  if (!ee || !se) return 'decrypt';
  let h = hash(hs.hash, remoteEphemeral);
  let c = kdf(1, hs.chainKey, remoteEphemeral)[0]!;
  c = kdf(1, c, ee)[0]!;
  c = kdf(1, c, se)[0]!;
  const [c3, tau, k] = kdf(3, c, peer.presharedKey) as [Uint8Array, Uint8Array, Uint8Array];
  h = hash(h, tau);
  const empty = msg.subarray(Response.empty, Response.mac1);
  const ok = aeadOpenZeroNonce(k, empty, h) !== null;
  ee.fill(0);
  se.fill(0);
  tau.fill(0);
  k.fill(0);
  if (!ok) return 'decrypt';
  h = hash(h, empty);
  hs.chainKey.set(c3);
  hs.hash.set(h);
  hs.remoteIndex = readU32(msg, Response.sender);
  hs.stage = 'response-consumed';
  return 'ok';
}

export interface TransportKeys {
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  isInitiator: boolean;
  localIndex: number;
  remoteIndex: number;
}

/**
 * (T_send, T_recv) = KDF2(C, ε), swapped for the responder; then the
 * handshake secrets are erased. Null unless a response was just created or consumed.
 */
export function deriveTransportKeys(hs: HandshakeState): TransportKeys | null {
  let isInitiator: boolean;
  if (hs.stage === 'response-consumed') isInitiator = true;
  else if (hs.stage === 'response-created') isInitiator = false;
  else return null;
  const [first, second] = kdf(2, hs.chainKey, EMPTY) as [Uint8Array, Uint8Array];
  const keys: TransportKeys = {
    sendKey: isInitiator ? first : second,
    receiveKey: isInitiator ? second : first,
    isInitiator,
    localIndex: hs.localIndex,
    remoteIndex: hs.remoteIndex,
  };
  hs.chainKey.fill(0);
  hs.hash.fill(0);
  hs.localEphemeral.fill(0);
  hs.remoteEphemeral.fill(0);
  hs.localIndex = 0;
  hs.stage = 'zeroed';
  return keys;
}
