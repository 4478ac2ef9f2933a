/** The pool's wake-up word shared with its workers, and what a worker is started with. */
import type { AeadName } from './aead/types.js';

/** Int32 index: bumped by the main thread on every submission. */
export const SIGNAL_SEQUENCE = 0;
/** Int32 index: non-zero asks workers to exit. */
export const SIGNAL_STOP = 1;
export const SIGNAL_BYTES = 8;

export interface WorkerInit {
  /** The transport AEAD the pool chose. */
  aead: AeadName;
  lanes: SharedArrayBuffer[];
  signal: SharedArrayBuffer;
}
