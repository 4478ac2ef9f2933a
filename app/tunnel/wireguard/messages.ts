/**
 * Wire layout of the four WireGuard messages (whitepaper §5.4.2–§5.4.7 and
 * §5.4.6). All integers are little endian. Decoding is done in place by
 * offset so that the hot path allocates nothing.
 */
import {
  COOKIE_REPLY_SIZE,
  INITIATION_SIZE,
  MAC_LENGTH,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  RESPONSE_SIZE,
  TRANSPORT_MIN_SIZE,
} from './constants.js';

/** Offsets inside a handshake initiation (type 1, 148 bytes). */
export const Initiation = {
  sender: 4,
  ephemeral: 8,
  static: 40, // 32-byte key + 16-byte tag
  timestamp: 88, // 12-byte TAI64N + 16-byte tag
  mac1: 116,
  mac2: 132,
  size: INITIATION_SIZE,
} as const;

/** Offsets inside a handshake response (type 2, 92 bytes). */
export const Response = {
  sender: 4,
  receiver: 8,
  ephemeral: 12,
  empty: 44, // 16-byte tag of the empty plaintext
  mac1: 60,
  mac2: 76,
  size: RESPONSE_SIZE,
} as const;

/** Offsets inside a cookie reply (type 3, 64 bytes). */
export const CookieReply = {
  receiver: 4,
  nonce: 8,
  cookie: 32, // 16-byte cookie + 16-byte tag
  size: COOKIE_REPLY_SIZE,
} as const;

/** Offsets inside a transport message (type 4, >= 32 bytes). */
export const Transport = {
  receiver: 4,
  counter: 8,
  payload: 16,
  minSize: TRANSPORT_MIN_SIZE,
} as const;

/**
 * The message type: the first four bytes as a little-endian integer, so a
 * message with non-zero reserved bytes is "unknown" (as in wireguard-go).
 * Returns 0 for datagrams shorter than four bytes.
 */
export function messageType(data: Uint8Array): number {
  if (data.length < 4) return 0;
  return readU32(data, 0);
}

export function isKnownType(type: number): boolean {
  return (
    type === MESSAGE_INITIATION ||
    type === MESSAGE_RESPONSE ||
    type === MESSAGE_COOKIE_REPLY ||
    type === MESSAGE_TRANSPORT
  );
}

export function readU32(data: Uint8Array, offset: number): number {
  return (
    (data[offset]! |
      (data[offset + 1]! << 8) |
      (data[offset + 2]! << 16) |
      (data[offset + 3]! << 24)) >>>
    0
  );
}

export function writeU32(data: Uint8Array, offset: number, value: number): void {
  data[offset] = value & 0xff;
  data[offset + 1] = (value >>> 8) & 0xff;
  data[offset + 2] = (value >>> 16) & 0xff;
  data[offset + 3] = (value >>> 24) & 0xff;
}

/** Bytes covered by mac1: everything before it. */
export function mac1Input(message: Uint8Array): Uint8Array {
  return message.subarray(0, message.length - 2 * MAC_LENGTH);
}

/** Bytes covered by mac2: everything before it, mac1 included. */
export function mac2Input(message: Uint8Array): Uint8Array {
  return message.subarray(0, message.length - MAC_LENGTH);
}

export function mac1Of(message: Uint8Array): Uint8Array {
  return message.subarray(message.length - 2 * MAC_LENGTH, message.length - MAC_LENGTH);
}

export function mac2Of(message: Uint8Array): Uint8Array {
  return message.subarray(message.length - MAC_LENGTH);
}
