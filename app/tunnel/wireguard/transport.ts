/**
 * Transport data messages (whitepaper §5.4.6) as pure functions of
 * (key, receiver index, counter, payload), so they can later run in worker
 * threads: the state machine assigns counters and checks replay elsewhere.
 * The AEAD is the process's choice (crypto/aead/load.ts), as in the crypto pool.
 */
import { transportAead } from '../crypto/aead/load.js';
import {
  AEAD_TAG_LENGTH,
  MESSAGE_TRANSPORT,
  PADDING_MULTIPLE,
  TRANSPORT_HEADER_SIZE,
} from './constants.js';
import { Transport, writeU32 } from './messages.js';

/**
 * Length of `packetLength` bytes once padded to a multiple of 16, but never
 * padded past the MTU (wireguard-go's calculatePaddingSize). mtu 0 = unbounded.
 */
export function paddedLength(packetLength: number, mtu: number): number {
  if (mtu <= 0) return (packetLength + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  let lastUnit = packetLength;
  if (lastUnit > mtu) lastUnit %= mtu;
  let padded = (lastUnit + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
  if (padded > mtu) padded = mtu;
  return packetLength + (padded - lastUnit);
}

/**
 * Builds a complete transport message for `packet` (empty = keepalive),
 * zero-padded to `padded` bytes. Returns a new buffer the caller owns.
 */
export function sealTransport(
  sendKey: Uint8Array,
  receiverIndex: number,
  counterHi: number,
  counterLo: number,
  packet: Uint8Array,
  padded: number,
): Uint8Array {
  const out = new Uint8Array(TRANSPORT_HEADER_SIZE + padded + AEAD_TAG_LENGTH);
  writeU32(out, 0, MESSAGE_TRANSPORT);
  writeU32(out, Transport.receiver, receiverIndex);
  writeU32(out, Transport.counter, counterLo);
  writeU32(out, Transport.counter + 4, counterHi);
  out.set(packet, TRANSPORT_HEADER_SIZE);
  // Encrypt in place: the plaintext view and the output view start at the same byte.
  const body = out.subarray(TRANSPORT_HEADER_SIZE);
  transportAead().seal(sendKey, counterHi, counterLo, body.subarray(0, padded), body);
  return out;
}

/**
 * Decrypts a transport message (length >= 32, already checked by the caller).
 * Returns the padded plaintext in a new buffer, or null if it does not authenticate.
 */
export function openTransport(receiveKey: Uint8Array, message: Uint8Array): Uint8Array | null {
  const body = message.subarray(Transport.payload);
  // The parser enforces the minimum size; this keeps a short input a rejection, not a RangeError.
  if (body.length < AEAD_TAG_LENGTH) return null;
  const plaintext = new Uint8Array(body.length - AEAD_TAG_LENGTH);
  const hi = transportCounterHi(message);
  const lo = transportCounterLo(message);
  return transportAead().open(receiveKey, hi, lo, body, plaintext) ? plaintext : null;
}

/** Counter halves of a transport message. */
export function transportCounterLo(message: Uint8Array): number {
  return (message[8]! | (message[9]! << 8) | (message[10]! << 16) | (message[11]! << 24)) >>> 0;
}

export function transportCounterHi(message: Uint8Array): number {
  return (message[12]! | (message[13]! << 8) | (message[14]! << 16) | (message[15]! << 24)) >>> 0;
}
