/**
 * A crypto worker: sleeps on the pool's submission counter, then claims jobs
 * from every submitted lane until none is left. Many workers can share one
 * lane, which is what spreads a single peer's bulk transfer over the cores.
 */
import { workerData } from 'node:worker_threads';
import { Lane, STATE, SUBMITTED } from './lane.js';
import { selfTest, workLane } from './jobs.js';
import { transportAeadNamed } from './aead/load.js';
import { SIGNAL_SEQUENCE, SIGNAL_STOP, type WorkerInit } from './signal.js';

const init = workerData as WorkerInit;
const lanes = init.lanes.map((b) => new Lane(b));
const signal = new Int32Array(init.signal);
// The pool chose and checked the implementation; a worker loads the same one.
const aead = transportAeadNamed(init.aead);
selfTest(aead);

for (;;) {
  const seen = Atomics.load(signal, SIGNAL_SEQUENCE);
  if (Atomics.load(signal, SIGNAL_STOP) !== 0) break;
  for (const lane of lanes) {
    if (Atomics.load(lane.control, STATE) === SUBMITTED) workLane(lane, aead);
  }
  // Sleep until the main thread submits more (the sequence moves past `seen`).
  Atomics.wait(signal, SIGNAL_SEQUENCE, seen);
}
