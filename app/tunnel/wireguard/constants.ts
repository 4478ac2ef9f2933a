/**
 * Protocol constants of WireGuard (whitepaper §5 and §6, with the values and
 * names wireguard-go uses), plus the wire sizes of the four message types.
 */

export const CONSTRUCTION = 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s';
export const IDENTIFIER = 'WireGuard v1 zx2c4 Jason@zx2c4.com';
export const LABEL_MAC1 = 'mac1----';
export const LABEL_COOKIE = 'cookie--';

export const KEY_LENGTH = 32;
export const MAC_LENGTH = 16;
export const AEAD_TAG_LENGTH = 16;
export const TIMESTAMP_LENGTH = 12;
export const COOKIE_NONCE_LENGTH = 24;

// Message types (the first 4 bytes, little endian: type byte + 3 reserved zero bytes).
export const MESSAGE_INITIATION = 1;
export const MESSAGE_RESPONSE = 2;
export const MESSAGE_COOKIE_REPLY = 3;
export const MESSAGE_TRANSPORT = 4;

export const INITIATION_SIZE = 148;
export const RESPONSE_SIZE = 92;
export const COOKIE_REPLY_SIZE = 64;
/** Transport header: type(4) receiver(4) counter(8). */
export const TRANSPORT_HEADER_SIZE = 16;
/** Smallest transport message: header + tag of an empty (keepalive) payload. */
export const TRANSPORT_MIN_SIZE = TRANSPORT_HEADER_SIZE + AEAD_TAG_LENGTH;
/** Largest inner packet we accept, so the datagram still fits a 16-bit length. */
export const MAX_CONTENT_SIZE = 65535 - TRANSPORT_MIN_SIZE;
export const PADDING_MULTIPLE = 16;
export const DEFAULT_MTU = 1420;

// Counters are 64-bit; REKEY_AFTER_MESSAGES = 2^60 and
// REJECT_AFTER_MESSAGES = 2^64 - 2^13 - 1, kept as (high, low) 32-bit halves so
// that the hot path never needs BigInt.
export const REKEY_AFTER_MESSAGES_HI = 0x10000000;
export const REJECT_AFTER_MESSAGES_HI = 0xffffffff;
export const REJECT_AFTER_MESSAGES_LO = 0xffffdfff;

// Times, in milliseconds.
export const REKEY_AFTER_TIME = 120_000;
export const REJECT_AFTER_TIME = 180_000;
export const REKEY_ATTEMPT_TIME = 90_000;
export const REKEY_TIMEOUT = 5_000;
export const REKEY_TIMEOUT_JITTER_MAX = 334; // jitter is drawn from [0, 333] ms
export const KEEPALIVE_TIMEOUT = 10_000;
export const COOKIE_REFRESH_TIME = 120_000;
/** A responder accepts at most one initiation per peer in this interval (50/s). */
export const HANDSHAKE_INITIATION_RATE = 20;
/** After the handshake rate drops, the device stays "under load" this long. */
export const UNDER_LOAD_AFTER_TIME = 1_000;
/**
 * wireguard-go's and the kernel's MaxTimerHandshakes (REKEY_ATTEMPT_TIME / REKEY_TIMEOUT):
 * the retry counter may exceed it once, so a peer sends MAX_TIMER_HANDSHAKES + 2
 * initiations, spaced REKEY_TIMEOUT + jitter apart, before giving up.
 */
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT;

/** Packets held per peer while waiting for a session. */
export const MAX_STAGED_PACKETS = 128;

// The handshake queue: handshake messages wait here, apart from transport data, and are
// worked a budget at a time (wireguard-go: QueueHandshakeSize 4096, under load at 1/8 full).
export const HANDSHAKE_QUEUE_CAPACITY = 4096;
/**
 * Places only responses to our own initiations may take: a flood of initiations fills the
 * rest, and our handshakes must still complete (rekeying would fail otherwise).
 */
export const HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES = 256;
/** Messages waiting at or above which the device is under load (and, for 1 s, after). */
export const DEFAULT_UNDER_LOAD_THRESHOLD = HANDSHAKE_QUEUE_CAPACITY / 8;
/**
 * Handshakes per second (and burst) that may reach Diffie-Hellman without a cookie before
 * the device counts as under load even though its queue is short (see load.ts).
 */
export const UNDER_LOAD_NOISE_PER_SECOND = 16;
/** Work per call: a message answered without Diffie-Hellman costs 1 unit... */
export const HANDSHAKE_BUDGET = 64;
/**
 * ...one that goes on to the Noise handshake the whole budget: its X25519 operations take
 * milliseconds here, so one per call keeps the data path's waits short.
 */
export const HANDSHAKE_NOISE_COST = HANDSHAKE_BUDGET;
/** When messages are left after a call's budget, the device asks to be called again this soon (ms). */
export const HANDSHAKE_WORK_INTERVAL = 1;

// Per-source rate limit for handshakes under load (whitepaper §5.3), also applied to the
// cookie replies each source can draw.
export const RATELIMIT_PACKETS_PER_SECOND = 20;
export const RATELIMIT_BURST = 5;
/** All cookie replies together, whatever the sources: the client must not become a reflector. */
export const COOKIE_REPLIES_PER_SECOND = 500;
export const COOKIE_REPLY_BURST = 50;

// Activity flags a fast path reports per peer (native/src/fastpath/peer_table.h, ActivityFlag).
export const FAST_PATH_SENT_ANY = 1;
export const FAST_PATH_SENT_DATA = 2;
export const FAST_PATH_RECEIVED_ANY = 4;
export const FAST_PATH_RECEIVED_DATA = 8;
export const FAST_PATH_ENDPOINT_MOVED = 16;
export const FAST_PATH_NEXT_USED = 32;
export const FAST_PATH_REKEY_MESSAGES = 64;
