/**
 * Transport crypto off the main thread, in order.
 *
 * The protocol core (on the main thread) frames every transport message and
 * assigns its counter; the pool only applies ChaCha20-Poly1305. Jobs are
 * written straight into shared lanes (see lane.ts), workers claim them with an
 * atomic counter (so even one peer's bulk transfer uses every core), and the
 * main thread hands results back strictly in submission order, lane by lane.
 * Nonces stay correct because counters are assigned before a job is queued;
 * order stays correct because results are released in queue order.
 *
 * Small lanes (a ping, a keepalive) run inline when nothing is in flight: a
 * thread hop would only add latency. When every lane is busy the main thread
 * stops producing and helps finish the oldest one: backpressure without loss.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { transportAead } from './aead/load.js';
import type { TransportAead } from './aead/types.js';
import { HEADER, selfTest, TAG, workLane } from './jobs.js';
import {
  COUNT,
  DATA_BASE,
  DONE,
  EPOCH_SHIFT,
  FAILED,
  INDEX_MASK,
  FINISHED,
  IDLE,
  KIND,
  Lane,
  MAX_JOBS,
  NEXT,
  OPEN,
  SEAL,
  STATE,
  SUBMITTED,
  W_COUNTER_HI,
  W_COUNTER_LO,
  W_DATA_OFFSET,
  W_INPUT_LENGTH,
  W_RESULT,
} from './lane.js';
import { writeU32 } from '../wireguard/messages.js';
import { CopyQueue } from '../copy-queue.js';
import { SIGNAL_BYTES, SIGNAL_SEQUENCE, SIGNAL_STOP, type WorkerInit } from './signal.js';

export interface CryptoPoolOptions {
  /** Worker threads; 0 runs everything on the calling thread. Default: cores - 1, at least 1. */
  workers?: number;
  /** Lanes in the ring (batches in flight + being filled). Default 16. */
  lanes?: number;
  /** Message bytes per lane. Default 512 KiB. */
  laneDataBytes?: number;
  /** A lane of at most this many jobs runs inline when nothing is in flight. Default 2. */
  inlineMaxJobs?: number;
  /**
   * The submitting thread also claims jobs of each lane it submits, next to
   * the workers, instead of going idle. Default true: on a 2-core machine
   * that doubles the crypto rate; the event loop is blocked only while work
   * it would be waiting for anyway is being done.
   */
  submitterHelps?: boolean;
  /** Seal/open round trips of the start-up self-test (also warms the JIT). Default 200. */
  selfTestRounds?: number;
  /** The transport AEAD, here and in the workers. Default: the process's choice (aead/load.ts). */
  aead?: TransportAead;
  /**
   * Where packet bytes are copied into lanes (deferred, flushed before a lane is
   * submitted or reused). Default: copies happen at once.
   */
  copies?: CopyQueue;
}

export interface CryptoPoolStats {
  workers: number;
  lanesSubmitted: number;
  lanesInline: number;
  sealed: number;
  opened: number;
  openFailures: number;
  /** Times the main thread had to help because every lane was busy. */
  helped: number;
}

export interface CryptoPoolHandlers<S, O> {
  /** A sealed message, in order. `message` is valid only during the call. */
  sealed(tag: S, message: Uint8Array): void;
  /**
   * An opened message's plaintext (padded), or null if it did not authenticate,
   * and the message's 16-byte header (type, receiver, counter). Valid during the call.
   */
  opened(tag: O, plaintext: Uint8Array | null, header: Uint8Array): void;
  /** After each run of delivered lanes: flush whatever the handlers queued. */
  drained(): void;
  /** A worker failed; the pool continues with the rest (or inline). */
  workerError?(error: Error): void;
}

interface Filling<T> {
  lane: Lane;
  kind: number;
  count: number;
  used: number;
  tags: T[];
}

const align8 = (n: number) => (n + 7) & ~7;

export class CryptoPool<S, O> {
  private readonly lanes: Lane[];
  private readonly idle: Lane[];
  private readonly tags = new Map<Lane, (S | O)[]>();
  /** Submitted lanes, oldest first: results leave in this order. */
  private readonly inFlight: Lane[] = [];
  private readonly signal: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly inlineMaxJobs: number;
  private readonly submitterHelps: boolean;
  readonly aead: TransportAead;
  private readonly copies: CopyQueue;
  private sealing: Filling<S> | null = null;
  private opening: Filling<O> | null = null;
  private closed = false;
  private draining = false;
  private awaiting = 0;
  private helpScheduled = false;
  readonly stats: CryptoPoolStats;

  constructor(
    private readonly handlers: CryptoPoolHandlers<S, O>,
    options: CryptoPoolOptions = {},
  ) {
    // Before any worker exists: a broken cipher must stop the tunnel, not corrupt it.
    this.aead = options.aead ?? transportAead();
    selfTest(this.aead, options.selfTestRounds);
    this.copies = options.copies ?? new CopyQueue(null);
    // Workers still pay with sodium-native (issue 11, re-measured through a real tunnel
    // against wireguard-go 2023, 3 alternating rounds, iperf3 up/down, workers / inline):
    // 2 cores 1.20x/1.04x (TUN offloads off), 1.04x/1.06x (on); one core (taskset -c 0)
    // 1.06x/1.06x (off), 1.03x/0.98x (on). Lone packets run inline anyway (inlineMaxJobs).
    const workerCount = options.workers ?? Math.max(1, availableParallelism() - 1);
    const laneCount = Math.max(2, options.lanes ?? 16);
    const laneBytes = Math.max(70_000, options.laneDataBytes ?? 512 * 1024);
    this.inlineMaxJobs = options.inlineMaxJobs ?? 2;
    this.submitterHelps = options.submitterHelps ?? true;
    this.lanes = Array.from({ length: laneCount }, () => Lane.allocate(laneBytes));
    this.idle = [...this.lanes].reverse();
    const signalBuffer = new SharedArrayBuffer(SIGNAL_BYTES);
    this.signal = new Int32Array(signalBuffer);
    this.stats = {
      workers: workerCount,
      lanesSubmitted: 0,
      lanesInline: 0,
      sealed: 0,
      opened: 0,
      openFailures: 0,
      helped: 0,
    };
    const init: WorkerInit = {
      aead: this.aead.name,
      lanes: this.lanes.map((l) => l.buffer),
      signal: signalBuffer,
    };
    for (let i = 0; i < workerCount; i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
      // The tunnel's lifetime is decided by its owner, not by idle crypto threads.
      worker.unref();
      worker.on('error', (error) => this.handlers.workerError?.(error));
      this.workers.push(worker);
    }
  }

  /**
   * Queues a transport message to seal: header for (receiverIndex, counter),
   * `packet` zero-padded to `padded` bytes. `packet` is copied at once.
   */
  seal(
    key: Uint8Array,
    receiverIndex: number,
    counterHi: number,
    counterLo: number,
    packet: Uint8Array,
    padded: number,
    tag: S,
  ): void {
    const size = HEADER + padded + TAG;
    const f = this.room<S>('sealing', SEAL, size);
    const { lane } = f;
    const j = f.count;
    const at = f.used;
    lane.key(j).set(key);
    const w = lane.words;
    w[lane.word(j, W_COUNTER_LO)] = counterLo;
    w[lane.word(j, W_COUNTER_HI)] = counterHi;
    w[lane.word(j, W_DATA_OFFSET)] = at;
    w[lane.word(j, W_INPUT_LENGTH)] = padded;
    const b = lane.bytes;
    const p = DATA_BASE + at;
    b[p] = 4;
    b[p + 1] = b[p + 2] = b[p + 3] = 0;
    writeU32(b, p + 4, receiverIndex);
    writeU32(b, p + 8, counterLo);
    writeU32(b, p + 12, counterHi);
    this.copies.add(b, p + HEADER, packet);
    b.fill(0, p + HEADER + packet.length, p + HEADER + padded);
    f.tags.push(tag);
    f.count++;
    f.used = at + align8(size);
  }

  /** True while results are being handed out: new jobs must wait until drained(). */
  get delivering(): boolean {
    return this.draining;
  }

  /** Queues a transport message (already checked to be >= 32 bytes) to open. Copied at once. */
  open(key: Uint8Array, message: Uint8Array, tag: O): void {
    const f = this.room<O>('opening', OPEN, message.length);
    const { lane } = f;
    const j = f.count;
    const at = f.used;
    lane.key(j).set(key);
    const w = lane.words;
    w[lane.word(j, W_DATA_OFFSET)] = at;
    w[lane.word(j, W_INPUT_LENGTH)] = message.length;
    this.copies.add(lane.bytes, DATA_BASE + at, message);
    f.tags.push(tag);
    f.count++;
    f.used = at + align8(message.length);
  }

  /** Ends a batch: everything queued so far is handed to the workers. */
  submit(): void {
    // Detach before submitting: submitting can deliver results, and the drained()
    // handler may queue new jobs, which must go to a fresh lane.
    const sealing = this.sealing;
    const opening = this.opening;
    this.sealing = null;
    this.opening = null;
    if (sealing) this.submitLane(sealing);
    if (opening) this.submitLane(opening);
  }

  /** Finishes what is queued (on this thread if need be) and stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.submit();
    while (this.inFlight.length > 0) this.finishOldest();
    this.closed = true;
    Atomics.store(this.signal, SIGNAL_STOP, 1);
    Atomics.add(this.signal, SIGNAL_SEQUENCE, 1);
    Atomics.notify(this.signal, SIGNAL_SEQUENCE);
    // An unref'd worker's exit would not keep the loop alive long enough to be awaited.
    await Promise.all(
      this.workers.map((w) => {
        w.ref();
        return w.terminate();
      }),
    );
  }

  /** The lane being filled for `kind`, with room for `size` more bytes and one more job. */
  private room<T>(which: 'sealing' | 'opening', kind: number, size: number): Filling<T> {
    // Queuing from inside sealed()/opened() could need a lane only that delivery frees.
    if (this.draining)
      throw new Error('queue crypto jobs from drained(), not while results are delivered');
    const slot = this as unknown as Record<'sealing' | 'opening', Filling<T> | null>;
    for (;;) {
      const f = slot[which];
      if (f && f.count < MAX_JOBS && f.used + size <= f.lane.dataCapacity) return f;
      if (f) {
        // Full: detach first (see submit()), then hand it over.
        slot[which] = null;
        this.submitLane(f);
        continue;
      }
      const lane = this.acquire();
      // acquire() may have delivered results whose handler queued jobs of this kind
      // into a lane of their own; keep using that one and give this lane back.
      if (slot[which]) {
        this.idle.push(lane);
        continue;
      }
      slot[which] = { lane, kind, count: 0, used: 0, tags: [] };
    }
  }

  private acquire(): Lane {
    if (this.closed) throw new Error('crypto pool is closed');
    let lane = this.idle.pop();
    while (!lane) {
      // Every lane is busy: help finish the oldest, deliver it, and take its lane.
      this.stats.helped++;
      this.finishOldest();
      lane = this.idle.pop();
    }
    // Copies out of an idle lane (results on their way to a send or a TUN write) must
    // happen before it is refilled.
    this.copies.flush();
    return lane;
  }

  private submitLane<T>(f: Filling<T>): void {
    // The lane's messages must be in place before any thread can claim a job.
    this.copies.flush();
    const { lane } = f;
    const c = lane.control;
    Atomics.store(c, KIND, f.kind);
    Atomics.store(c, COUNT, f.count);
    Atomics.store(c, DONE, 0);
    // A new epoch (see workLane) with index 0; stored after COUNT and KIND.
    const epoch = ((Atomics.load(c, NEXT) >>> EPOCH_SHIFT) + 1) & INDEX_MASK;
    Atomics.store(c, NEXT, epoch << EPOCH_SHIFT);
    this.tags.set(lane, f.tags as (S | O)[]);
    this.stats.lanesSubmitted++;
    const alone = this.inFlight.length === 0;
    this.inFlight.push(lane);
    if (this.workers.length === 0 || (alone && f.count <= this.inlineMaxJobs)) {
      // Not worth a thread hop; nobody else can see this lane yet.
      this.stats.lanesInline++;
      Atomics.store(c, STATE, SUBMITTED);
      workLane(lane, this.aead);
      this.drain();
      return;
    }
    Atomics.store(c, STATE, SUBMITTED);
    Atomics.add(this.signal, SIGNAL_SEQUENCE, 1);
    Atomics.notify(this.signal, SIGNAL_SEQUENCE);
    // waitAsync does not keep the event loop alive by itself; a ref'd worker does.
    if (this.awaiting++ === 0) this.workers[0]?.ref();
    const waiting = Atomics.waitAsync(c, STATE, SUBMITTED);
    const done = () => {
      if (--this.awaiting === 0 && !this.closed) this.workers[0]?.unref();
      this.drain();
    };
    if (waiting.async) void waiting.value.then(done);
    else queueMicrotask(done);
    if (this.submitterHelps) this.scheduleHelp();
  }

  /**
   * Lets this thread work on whatever is still unclaimed once the event loop has
   * dealt with the I/O that is ready (setImmediate runs after the poll phase): the
   * workers get a head start, and this thread joins in instead of idling.
   */
  private scheduleHelp(): void {
    if (this.helpScheduled) return;
    this.helpScheduled = true;
    setImmediate(() => {
      this.helpScheduled = false;
      if (this.closed) return;
      let finishedHere = false;
      for (const lane of this.inFlight) {
        if (Atomics.load(lane.control, STATE) === SUBMITTED && workLane(lane, this.aead)) {
          finishedHere = true;
        }
      }
      if (finishedHere) this.drain();
    });
  }

  /** Runs the oldest lane's unclaimed jobs here, waits for the rest, delivers in order. */
  private finishOldest(): void {
    const lane = this.inFlight[0];
    if (!lane) return;
    workLane(lane, this.aead);
    // Jobs a worker claimed are microseconds from done.
    while (Atomics.load(lane.control, STATE) !== FINISHED) {
      Atomics.wait(lane.control, STATE, SUBMITTED, 5);
    }
    this.drain();
  }

  /** Delivers finished lanes from the head of the queue, stopping at the first unfinished one. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    let delivered = false;
    try {
      for (;;) {
        const lane = this.inFlight[0];
        if (!lane || Atomics.load(lane.control, STATE) !== FINISHED) break;
        this.inFlight.shift();
        this.deliver(lane);
        delivered = true;
      }
    } finally {
      this.draining = false;
    }
    // Outside the delivery loop: the handler may queue new jobs (replies, staged packets).
    if (delivered) this.handlers.drained();
  }

  private deliver(lane: Lane): void {
    const tags = this.tags.get(lane) ?? [];
    this.tags.delete(lane);
    const c = lane.control;
    const count = Atomics.load(c, COUNT);
    const seal = Atomics.load(c, KIND) === SEAL;
    const w = lane.words;
    const b = lane.bytes;
    try {
      for (let j = 0; j < count; j++) {
        const at = DATA_BASE + w[lane.word(j, W_DATA_OFFSET)]!;
        const result = w[lane.word(j, W_RESULT)]!;
        if (seal) {
          this.stats.sealed++;
          this.handlers.sealed(tags[j] as S, b.subarray(at, at + result));
        } else if (result === FAILED) {
          this.stats.openFailures++;
          this.handlers.opened(tags[j] as O, null, b.subarray(at, at + HEADER));
        } else {
          this.stats.opened++;
          this.handlers.opened(
            tags[j] as O,
            b.subarray(at + HEADER, at + HEADER + result),
            b.subarray(at, at + HEADER),
          );
        }
      }
    } finally {
      Atomics.store(c, STATE, IDLE);
      this.idle.push(lane);
    }
  }
}
