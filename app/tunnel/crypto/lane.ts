/**
 * A lane: one batch of transport crypto jobs in shared memory, filled by the
 * main thread and worked on by any number of crypto workers at once.
 *
 * Layout of a lane's SharedArrayBuffer:
 *   control   CONTROL_WORDS Int32 words (state, kind, count, next, done)
 *   jobs      MAX_JOBS descriptors of JOB_BYTES: key, counter, indices, offsets
 *   data      the messages themselves, each job's bytes at its own offset
 *
 * Jobs are claimed with an atomic counter (`next`), so a single large batch is
 * spread across every worker, and finished in place: a seal job's slot already
 * holds the transport header and zero-padded plaintext and receives the
 * ciphertext and tag; an open job's slot holds the message and receives the
 * plaintext over its ciphertext. No bytes are copied between threads.
 * Order is the main thread's business: it drains whole lanes in submission
 * order, so per-peer packet order survives any interleaving of workers.
 */

// Lane states.
export const IDLE = 0;
export const SUBMITTED = 1;
export const FINISHED = 2;

// Job kinds (one kind per lane).
export const SEAL = 1;
export const OPEN = 2;

// Int32 indices in the control block.
export const STATE = 0;
export const KIND = 1;
export const COUNT = 2;
/** Claim word: (epoch << EPOCH_SHIFT) | index of the next unclaimed job. */
export const NEXT = 3;
export const DONE = 4;
const CONTROL_WORDS = 8;

/** Per-job descriptor: key (32 bytes) then 8 Uint32 words. */
export const JOB_BYTES = 64;
const KEY_OFFSET = 0;
// Uint32 word indices within a descriptor, after the key.
export const W_COUNTER_LO = 8;
export const W_COUNTER_HI = 9;
export const W_DATA_OFFSET = 10;
/** Seal: padded plaintext length. Open: whole message length. */
export const W_INPUT_LENGTH = 11;
/** Result: output length, or FAILED. */
export const W_RESULT = 12;
export const FAILED = 0xffffffff;

export const MAX_JOBS = 256;
export const EPOCH_SHIFT = 16;
export const INDEX_MASK = 0xffff;
const CONTROL_BYTES = CONTROL_WORDS * 4;
const JOBS_BYTES = MAX_JOBS * JOB_BYTES;
export const DATA_BASE = CONTROL_BYTES + JOBS_BYTES;

/** Views over one lane's memory, usable from any thread. */
export class Lane {
  readonly control: Int32Array;
  readonly words: Uint32Array;
  readonly bytes: Uint8Array;
  readonly dataCapacity: number;
  /** One view per job's key, made once: a fresh subarray per packet was measurable. */
  private readonly keys: Uint8Array[];

  constructor(readonly buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, CONTROL_WORDS);
    this.words = new Uint32Array(buffer, 0, DATA_BASE / 4);
    this.bytes = new Uint8Array(buffer);
    this.dataCapacity = buffer.byteLength - DATA_BASE;
    this.keys = Array.from({ length: MAX_JOBS }, (_, j) => {
      const at = CONTROL_BYTES + j * JOB_BYTES + KEY_OFFSET;
      return this.bytes.subarray(at, at + 32);
    });
  }

  static allocate(dataBytes: number): Lane {
    return new Lane(new SharedArrayBuffer(DATA_BASE + dataBytes));
  }

  /** Index into `words` of descriptor word `w` of job `j`. */
  word(j: number, w: number): number {
    return (CONTROL_BYTES + j * JOB_BYTES) / 4 + w;
  }

  key(j: number): Uint8Array {
    const key = this.keys[j];
    if (!key) throw new RangeError(`job ${j} is outside the lane`);
    return key;
  }
}
