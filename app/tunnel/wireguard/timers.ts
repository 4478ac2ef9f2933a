/**
 * The per-peer timer state machine of wireguard-go (timers.go), as plain
 * deadlines on the caller's monotonic clock: hooks called on protocol events
 * arm or disarm deadlines; the device runs whichever are due. Semantics of
 * each hook follow wireguard-go exactly.
 */
import { KEEPALIVE_TIMEOUT, REJECT_AFTER_TIME, REKEY_TIMEOUT } from './constants.js';

/** A disarmed timer. */
export const NEVER = Number.POSITIVE_INFINITY;

/** Supplies the random 0..333 ms added to handshake timeouts so peers do not retry in lockstep. */
export interface JitterSource {
  jitter(): number;
}

export class PeerTimers {
  /** Resend the initiation: no response within REKEY_TIMEOUT. */
  retransmitHandshake = NEVER;
  /** Passive keepalive: we received data and sent nothing back. */
  sendKeepalive = NEVER;
  /** We sent data and heard nothing back for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT. */
  newHandshake = NEVER;
  /** Erase all keys: no new session for 3 × REJECT_AFTER_TIME. */
  zeroKeyMaterial = NEVER;
  persistentKeepalive = NEVER;

  handshakeAttempts = 0;
  needAnotherKeepalive = false;
  sentLastMinuteHandshake = false;

  earliest(): number {
    return Math.min(
      this.retransmitHandshake,
      this.sendKeepalive,
      this.newHandshake,
      this.zeroKeyMaterial,
      this.persistentKeepalive,
    );
  }

  disarmAll(): void {
    this.retransmitHandshake = NEVER;
    this.sendKeepalive = NEVER;
    this.newHandshake = NEVER;
    this.zeroKeyMaterial = NEVER;
    this.persistentKeepalive = NEVER;
  }

  /** After an authenticated data (non-keepalive) packet is sent. */
  dataSent(now: number, jitter: JitterSource): void {
    if (this.newHandshake === NEVER)
      this.newHandshake = now + KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter.jitter();
  }

  /** After an authenticated data (non-keepalive) packet is received. */
  dataReceived(now: number): void {
    if (this.sendKeepalive === NEVER) this.sendKeepalive = now + KEEPALIVE_TIMEOUT;
    else this.needAnotherKeepalive = true;
  }

  /** After any authenticated packet (keepalive, data or handshake) is sent. */
  anyAuthenticatedPacketSent(): void {
    this.sendKeepalive = NEVER;
  }

  /** After any authenticated packet is received. */
  anyAuthenticatedPacketReceived(): void {
    this.newHandshake = NEVER;
  }

  /** After a handshake initiation is sent. */
  handshakeInitiated(now: number, jitter: JitterSource): void {
    this.retransmitHandshake = now + REKEY_TIMEOUT + jitter.jitter();
  }

  /** After a response is consumed, or the first data on a responder's new keypair. */
  handshakeComplete(): void {
    this.retransmitHandshake = NEVER;
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
  }

  /** After a keypair is derived (response sent or consumed). */
  sessionDerived(now: number): void {
    this.zeroKeyMaterial = now + 3 * REJECT_AFTER_TIME;
  }

  /** Before any authenticated packet is sent, and after one is received. */
  anyAuthenticatedPacketTraversal(now: number, persistentKeepaliveMs: number): void {
    if (persistentKeepaliveMs > 0) this.persistentKeepalive = now + persistentKeepaliveMs;
  }
}
