/**
 * Claiming and running transport crypto jobs of a lane. The same code runs in
 * crypto workers and, when it has to help or runs without workers, on the main
 * thread; it never decides anything about the protocol, it only applies
 * ChaCha20-Poly1305 to bytes the protocol core has already framed.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
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
export function workLane(lane: Lane, nonce: Uint8Array): boolean {
  const control = lane.control;
  const first = Atomics.load(control, NEXT);
  const epoch = first >>> EPOCH_SHIFT;
  const count = Atomics.load(control, COUNT);
  const seal = Atomics.load(control, KIND) === SEAL;
  let finished = false;
  for (;;) {
    const j = claimJob(control, epoch, count);
    if (j < 0) break;
    if (seal) sealJob(lane, j, nonce);
    else openJob(lane, j, nonce);
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

function setNonce(nonce: Uint8Array, lo: number, hi: number): void {
  // 32 zero bits, then the 64-bit little-endian counter.
  nonce[4] = lo & 0xff;
  nonce[5] = (lo >>> 8) & 0xff;
  nonce[6] = (lo >>> 16) & 0xff;
  nonce[7] = lo >>> 24;
  nonce[8] = hi & 0xff;
  nonce[9] = (hi >>> 8) & 0xff;
  nonce[10] = (hi >>> 16) & 0xff;
  nonce[11] = hi >>> 24;
}

/** Slot: header (written by main) | padded plaintext → ciphertext | tag. */
function sealJob(lane: Lane, j: number, nonce: Uint8Array): void {
  const w = lane.words;
  setNonce(nonce, w[lane.word(j, W_COUNTER_LO)]!, w[lane.word(j, W_COUNTER_HI)]!);
  const at = DATA_BASE + w[lane.word(j, W_DATA_OFFSET)]!;
  const padded = w[lane.word(j, W_INPUT_LENGTH)]!;
  const body = lane.bytes.subarray(at + HEADER, at + HEADER + padded + TAG);
  chacha20poly1305(lane.key(j), nonce).encrypt(body.subarray(0, padded), body);
  w[lane.word(j, W_RESULT)] = HEADER + padded + TAG;
}

/** Slot: a whole transport message; the plaintext replaces its ciphertext. */
function openJob(lane: Lane, j: number, nonce: Uint8Array): void {
  const w = lane.words;
  const at = DATA_BASE + w[lane.word(j, W_DATA_OFFSET)]!;
  const length = w[lane.word(j, W_INPUT_LENGTH)]!;
  const b = lane.bytes;
  nonce.fill(0, 0, 4);
  nonce.set(b.subarray(at + 8, at + HEADER), 4);
  const body = b.subarray(at + HEADER, at + length);
  try {
    chacha20poly1305(lane.key(j), nonce).decrypt(body, body.subarray(0, length - HEADER - TAG));
    w[lane.word(j, W_RESULT)] = length - HEADER - TAG;
  } catch {
    // Forged or corrupted: the core counts it when it sees FAILED.
    w[lane.word(j, W_RESULT)] = FAILED;
  }
}

/**
 * Start-up self-test of each crypto thread: seals and opens sample packets and
 * checks the round trip (and gives the JIT a first look at the cipher code).
 * Throws if the round trip fails.
 */
export function selfTest(rounds = 200): void {
  const key = new Uint8Array(32).map((_, i) => i + 1);
  const nonce = new Uint8Array(12);
  for (const size of [64, 1424]) {
    const plain = new Uint8Array(size).map((_, i) => i & 0xff);
    const buf = new Uint8Array(size + TAG);
    for (let r = 0; r < rounds; r++) {
      setNonce(nonce, r, 0);
      buf.set(plain);
      chacha20poly1305(key, nonce).encrypt(buf.subarray(0, size), buf);
      chacha20poly1305(key, nonce).decrypt(buf, buf.subarray(0, size));
    }
    for (let i = 0; i < size; i++) {
      if (buf[i] !== plain[i]) throw new Error('transport crypto self-test failed');
    }
  }
}
