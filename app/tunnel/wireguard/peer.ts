/**
 * Everything the device keeps about one peer: its static configuration and
 * precomputed secrets, handshake and keypair state, timers, cookie state,
 * packets staged while no session exists, and counters.
 */
import { KEY_LENGTH, MAX_STAGED_PACKETS } from './constants.js';
import { CookieGenerator } from './cookie.js';
import { KeypairSlots } from './keypair.js';
import { HandshakeState, type NoisePeer } from './noise.js';
import { PeerTimers } from './timers.js';
import type { Endpoint } from './types.js';

export class Peer implements NoisePeer {
  /** The device's small-integer name for the peer (how a fast path names it); set by addPeer. */
  id = 0;
  readonly handshake = new HandshakeState();
  readonly keypairs = new KeypairSlots();
  readonly timers = new PeerTimers();
  readonly cookies: CookieGenerator;
  endpoint: Endpoint | null;
  /** Packets waiting for a usable keypair, oldest first; an empty one is a keepalive. */
  staged: Uint8Array[] = [];
  /** Monotonic ms of the last completed handshake. */
  lastHandshake: number | null = null;
  rxBytes = 0;
  txBytes = 0;
  rxPackets = 0;
  txPackets = 0;

  constructor(
    /** Base64 public key: how events and stats name the peer. */
    readonly name: string,
    readonly remoteStatic: Uint8Array,
    readonly presharedKey: Uint8Array,
    readonly staticStatic: Uint8Array,
    readonly initiatorHash: Uint8Array,
    endpoint: Endpoint | null,
    readonly persistentKeepaliveMs: number,
  ) {
    this.cookies = new CookieGenerator(remoteStatic);
    this.endpoint = endpoint;
  }

  /** Queues a packet the peer owns; returns true if the oldest one had to be dropped. */
  stage(packet: Uint8Array): boolean {
    this.staged.push(packet);
    if (this.staged.length > MAX_STAGED_PACKETS) {
      this.staged.shift();
      return true;
    }
    return false;
  }

  /** Erases the long-term secrets held for this peer (on removal). */
  zeroSecrets(): void {
    this.presharedKey.fill(0);
    this.staticStatic.fill(0);
    this.cookies.clear();
  }
}

export function presharedKeyOrZero(psk: Uint8Array | undefined): Uint8Array {
  return psk ? new Uint8Array(psk) : new Uint8Array(KEY_LENGTH);
}
