/**
 * Where handshake messages wait, apart from transport data, until the device
 * works them a budget at a time: a bounded FIFO, so that a flood beyond its
 * capacity is turned away at the door, before any MAC is computed.
 */
import type { Endpoint } from './types.js';

export interface QueuedHandshake {
  /** A copy: the caller's receive buffer is reused. */
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

export class HandshakeQueue {
  private readonly ring: (QueuedHandshake | undefined)[];
  private head = 0;
  private count = 0;
  /** Most messages held at once. */
  peak = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be >= 1');
    this.ring = new Array<QueuedHandshake | undefined>(capacity);
  }

  get length(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Appends a copy of `data`; the caller checks `full` first. */
  push(data: Uint8Array, from: Endpoint): void {
    if (this.full) throw new Error('handshake queue is full');
    this.ring[(this.head + this.count) % this.capacity] = {
      // A copy: slice() of a Buffer (the addon's receive arena) would be a view.
      data: new Uint8Array(data),
      from: { host: from.host, port: from.port },
    };
    this.count++;
    if (this.count > this.peak) this.peak = this.count;
  }

  shift(): QueuedHandshake | undefined {
    if (this.count === 0) return undefined;
    const item = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }
}
