/**
 * Transport keypairs and their previous/current/next rotation, with exactly
 * wireguard-go's rules (whitepaper §6.1, keys.go/noise-protocol.go):
 * - the initiator's new keypair becomes current at once;
 * - the responder's waits as "next" until the initiator's first transport
 *   message proves the initiator has it too, so the responder never sends
 *   with keys the other side might not have.
 */
import { REKEY_AFTER_MESSAGES_HI } from './constants.js';
import { counterExhausted, ReplayFilter } from './replay.js';
import type { TransportKeys } from './noise.js';

export class Keypair {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly isInitiator: boolean;
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly created: number;
  /** Next counter to send, as 32-bit halves. */
  sendCounterHi = 0;
  sendCounterLo = 0;
  readonly replay = new ReplayFilter();

  constructor(keys: TransportKeys, created: number) {
    this.sendKey = keys.sendKey;
    this.receiveKey = keys.receiveKey;
    this.isInitiator = keys.isInitiator;
    this.localIndex = keys.localIndex;
    this.remoteIndex = keys.remoteIndex;
    this.created = created;
  }

  /** True once the send counter reached REJECT_AFTER_MESSAGES: the keypair may not send again. */
  sendExhausted(): boolean {
    return counterExhausted(this.sendCounterHi, this.sendCounterLo);
  }

  /** True once more than REKEY_AFTER_MESSAGES were sent. */
  sendPastRekeyLimit(): boolean {
    return (
      this.sendCounterHi > REKEY_AFTER_MESSAGES_HI ||
      (this.sendCounterHi === REKEY_AFTER_MESSAGES_HI && this.sendCounterLo > 0)
    );
  }

  /** Advances the send counter (call after using the current value). */
  advanceSendCounter(): void {
    if (this.sendCounterLo === 0xffffffff) {
      this.sendCounterLo = 0;
      this.sendCounterHi = (this.sendCounterHi + 1) >>> 0;
    } else {
      this.sendCounterLo++;
    }
  }

  /** Set by zero(): messages still in flight for this keypair must be dropped. */
  zeroed = false;

  /** Erases the keys; the keypair is unusable afterwards. */
  zero(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.zeroed = true;
  }
}

/** A peer's three keypair slots. Methods return the keypairs they retired, for the caller to unindex and zero. */
export class KeypairSlots {
  previous: Keypair | null = null;
  current: Keypair | null = null;
  next: Keypair | null = null;

  /** Installs a freshly derived keypair (BeginSymmetricSession). */
  install(keypair: Keypair, retired: Keypair[]): void {
    if (keypair.isInitiator) {
      if (this.next) {
        // An unconfirmed responder keypair is newer than current: keep it as previous.
        if (this.current) retired.push(this.current);
        if (this.previous) retired.push(this.previous);
        this.previous = this.next;
        this.next = null;
      } else {
        if (this.previous) retired.push(this.previous);
        this.previous = this.current;
      }
      this.current = keypair;
    } else {
      if (this.next) retired.push(this.next);
      if (this.previous) retired.push(this.previous);
      this.next = keypair;
      this.previous = null;
    }
  }

  /**
   * Called for every authenticated transport message: if it arrived on the
   * "next" keypair, that keypair is confirmed and becomes current.
   * Returns true on confirmation.
   */
  confirm(keypair: Keypair, retired: Keypair[]): boolean {
    if (this.next !== keypair) return false;
    if (this.previous) retired.push(this.previous);
    this.previous = this.current;
    this.current = keypair;
    this.next = null;
    return true;
  }

  clear(retired: Keypair[]): void {
    if (this.previous) retired.push(this.previous);
    if (this.current) retired.push(this.current);
    if (this.next) retired.push(this.next);
    this.previous = this.current = this.next = null;
  }
}
