/**
 * Claiming and running transport crypto jobs of a lane. The same code runs in
 * crypto workers and, when it has to help or runs without workers, on the main
 * thread; it never decides anything about the protocol, it only applies
 * the transport AEAD (see aead/) to bytes the protocol core has already framed.
 */
import type { TransportAead } from './aead/types.js';
import {
  COUNT,
  DATA_BASE,
  DONE,
  EPOCH_SHIFT,
  FAILED,
  INDEX_MASK,
  FINISHED,
  KIND,
  NEXT,
  SEAL,
  STATE,
  W_COUNTER_HI,
  W_COUNTER_LO,
  W_DATA_OFFSET,
  W_INPUT_LENGTH,
  W_RESULT,
  type Lane,
} from './lane.js';

/** WireGuard transport header: type, receiver index, 64-bit counter. */
export const HEADER = 16;
export const TAG = 16;

/**
 * Runs jobs of `lane` until none is left to claim. Returns true if this call
 * finished the lane (ran its last job), so the caller can announce it.
 *
 * The claim word NEXT holds (epoch << 16 | next index), and the epoch changes
 * with every submission of the lane. A thread still looping over an earlier
 * submission therefore cannot claim (and lose) a job of the next one: its
 * compare-and-swap fails on the epoch, and it stops.
 */
export function workLane(lane: Lane, aead: TransportAead): boolean {
  const control = lane.control;
  const first = Atomics.load(control, NEXT);
  const epoch = first >>> EPOCH_SHIFT;
  const count = Atomics.load(control, COUNT);
  const seal = Atomics.load(control, KIND) === SEAL;
  let finished = false;
  for (;;) {
    const j = claimJob(control, epoch, count);
    if (j < 0) break;
    if (seal) sealJob(lane, j, aead);
    else openJob(lane, j, aead);
    if (Atomics.add(control, DONE, 1) + 1 === count) finished = true;
  }
  if (finished) {
    Atomics.store(control, STATE, FINISHED);
    Atomics.notify(control, STATE);
  }
  return finished;
}

/**
 * Claims the next job of submission `epoch` (which has `count` jobs): its index,
 * or -1 when that submission has no unclaimed job left or is no longer current.
 */
export function claimJob(control: Int32Array, epoch: number, count: number): number {
  for (;;) {
    const claim = Atomics.load(control, NEXT);
    const j = claim & INDEX_MASK;
    if (claim >>> EPOCH_SHIFT !== epoch || j >= count) return -1;
    if (Atomics.compareExchange(control, NEXT, claim, claim + 1) === claim) return j;
  }
}

/** Slot: header (written by main) | padded plaintext → ciphertext | tag. */
function sealJob(lane: Lane, j: number, aead: TransportAead): void {
  const w = lane.words;
  const at = DATA_BASE + w[lane.word(j, W_DATA_OFFSET)]!;
  const padded = w[lane.word(j, W_INPUT_LENGTH)]!;
  const body = lane.bytes.subarray(at + HEADER, at + HEADER + padded + TAG);
  const hi = w[lane.word(j, W_COUNTER_HI)]!;
  aead.seal(lane.key(j), hi, w[lane.word(j, W_COUNTER_LO)]!, body.subarray(0, padded), body);
  w[lane.word(j, W_RESULT)] = HEADER + padded + TAG;
}

/** Slot: a whole transport message; the plaintext replaces its ciphertext. */
function openJob(lane: Lane, j: number, aead: TransportAead): void {
  const w = lane.words;
  const at = DATA_BASE + w[lane.word(j, W_DATA_OFFSET)]!;
  const length = w[lane.word(j, W_INPUT_LENGTH)]!;
  const b = lane.bytes;
  const lo = (b[at + 8]! | (b[at + 9]! << 8) | (b[at + 10]! << 16) | (b[at + 11]! << 24)) >>> 0;
  const hi = (b[at + 12]! | (b[at + 13]! << 8) | (b[at + 14]! << 16) | (b[at + 15]! << 24)) >>> 0;
  const body = b.subarray(at + HEADER, at + length);
  // Forged or corrupted: the core counts it when it sees FAILED.
  w[lane.word(j, W_RESULT)] = aead.open(
    lane.key(j),
    hi,
    lo,
    body,
    body.subarray(0, length - HEADER - TAG),
  )
    ? length - HEADER - TAG
    : FAILED;
}

/**
 * Start-up self-test of each crypto thread: seals and opens sample packets in
 * place, as the lanes do, and checks the round trip (for @noble this also gives
 * the JIT a first look at the cipher code). Throws if the round trip fails.
 */
export function selfTest(aead: TransportAead, rounds = 200): void {
  const key = new Uint8Array(32).map((_, i) => i + 1);
  for (const size of [64, 1424]) {
    const plain = new Uint8Array(size).map((_, i) => i & 0xff);
    const buf = new Uint8Array(size + TAG);
    for (let r = 0; r < rounds; r++) {
      buf.set(plain);
      aead.seal(key, 0, r, buf.subarray(0, size), buf);
      if (!aead.open(key, 0, r, buf, buf.subarray(0, size))) {
        throw new Error('transport crypto self-test failed');
      }
    }
    for (let i = 0; i < size; i++) {
      if (buf[i] !== plain[i]) throw new Error('transport crypto self-test failed');
    }
  }
}
