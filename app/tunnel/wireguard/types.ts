/**
 * Public types of the sans-IO WireGuard core. The core never touches sockets,
 * timers, clocks or globals: callers pass bytes and `now` (milliseconds on a
 * monotonic clock) in, and receive effects out.
 */

/** A UDP endpoint. `host` is an IP literal (IPv4 dotted or IPv6 without brackets). */
export interface Endpoint {
  host: string;
  port: number;
}

/** An IP prefix: `address` raw bytes (4 or 16), `prefixLength` 0..32 / 0..128. */
export interface Cidr {
  address: Uint8Array;
  prefixLength: number;
}

export interface PeerConfig {
  /** 32-byte Curve25519 public key. */
  publicKey: Uint8Array;
  /** 32-byte preshared key; absent = all zeroes, as the protocol defines. */
  presharedKey?: Uint8Array;
  endpoint?: Endpoint;
  allowedIps: Cidr[];
  /** Seconds; 0/absent = off. */
  persistentKeepalive?: number;
}

export interface DeviceOptions {
  /** 32-byte Curve25519 private key. */
  privateKey: Uint8Array;
  /** Cryptographically secure random bytes; injectable so tests are deterministic. */
  randomBytes?: (n: number) => Uint8Array;
  /** Initial clock value (ms), used to seed time-based state. */
  now: number;
  /**
   * Wall clock, ms since the Unix epoch, for the TAI64N timestamps of
   * handshake initiations. Defaults to the system clock.
   */
  wallClock?: () => number;
  /**
   * Handshake messages waiting in the queue at or above which the device is
   * "under load" (and stays so for a second after) and demands cookies (mac2)
   * before doing any DH. 0 = always under load. Default 512, 1/8 of the queue.
   * (A high rate of handshakes reaching DH also counts as load; see load.ts.)
   */
  underLoadThreshold?: number;
  /**
   * Hand transport-data AEAD work to the caller (e.g. a worker pool) instead of
   * doing it inline. The core still frames every message, assigns counters,
   * checks indices, replay and timers; it only skips ChaCha20-Poly1305. Opened
   * messages come back through `WireGuardDevice.completeOpen`, in the order the
   * caller wants them processed.
   */
  transportCrypto?: TransportCryptoSink;
  /**
   * A data path that carries transport messages itself (the addon's native
   * one, app/tunnel/fast-path.ts). The core then publishes peers and keypairs
   * to it as they change, seals its own messages (staged packets, keepalives)
   * through it, and runs its timers on the activity it reports
   * (`WireGuardDevice.fastPathActivity`); transport messages never reach the
   * core.
   */
  fastPath?: FastPathSink;
}

/** What the core tells a fast path, and asks of it. Peers are named by small integers. */
export interface FastPathSink {
  setPeer(id: number, endpoint: Endpoint | null, allowedIps: readonly Cidr[]): void;
  removePeer(id: number): void;
  /**
   * The peer's keypairs now: `send` (current, or null) sends; every one in
   * `receiving` receives, `next` among them unconfirmed. Keys are copied.
   */
  setKeypairs(
    id: number,
    send: KeypairView | null,
    receiving: readonly KeypairView[],
    next: KeypairView | null,
    now: number,
  ): void;
  /** Seal and send with the peer's send keypair; false if it has none that may send. */
  transmit(id: number, packet: Uint8Array, padded: number): boolean;
  /** What the fast path carried for the peer, added to the core's own counts. */
  peerCounters(
    id: number,
  ): { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number } | null;
  /** What the fast path dropped, by reason. */
  drops(): Partial<Record<DropReason, number>>;
}

/** The parts of a keypair a fast path needs. */
export interface KeypairView {
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly created: number;
  readonly sendCounterHi: number;
  readonly sendCounterLo: number;
}

/** What a fast path saw of a peer since it last reported (FAST_PATH_* flags in constants.ts). */
export interface FastPathActivity {
  id: number;
  flags: number;
  /** With FAST_PATH_NEXT_USED: the local index of the unconfirmed keypair that was used. */
  nextIndex: number;
  /** With FAST_PATH_ENDPOINT_MOVED: where the peer's messages now come from. */
  endpoint: Endpoint | null;
}

/** Opaque: which session an offloaded transport message belongs to. */
export interface OpenTicket {
  readonly openTicket: true;
}

export interface TransportCryptoSink {
  /**
   * Seal `packet` zero-padded to `padded` bytes as a transport message to
   * `receiverIndex` with this counter, and send it to `to`. `packet` may be a
   * view of a buffer the caller reuses: copy it before returning.
   */
  seal(
    to: Endpoint,
    key: Uint8Array,
    receiverIndex: number,
    counterHi: number,
    counterLo: number,
    packet: Uint8Array,
    padded: number,
  ): void;
  /** Decrypt transport message `data` (copy it before returning), then call completeOpen. */
  open(key: Uint8Array, data: Uint8Array, from: Endpoint, ticket: OpenTicket): void;
}

export type WgEvent =
  | { name: 'handshake-initiated'; peer: string; attempt: number }
  | { name: 'handshake-complete'; peer: string; role: 'initiator' | 'responder' }
  | { name: 'handshake-gave-up'; peer: string }
  | { name: 'endpoint-changed'; peer: string; endpoint: Endpoint }
  | { name: 'keys-zeroed'; peer: string };

/** What the caller must do. `peer` is the peer's base64 public key. */
export type Effect =
  | { type: 'udp'; to: Endpoint; data: Uint8Array }
  | { type: 'tun'; packet: Uint8Array }
  | { type: 'event'; event: WgEvent };

export type DropReason =
  | 'no-route' // TUN packet whose destination matches no peer's AllowedIPs
  | 'no-endpoint' // peer has no known endpoint yet
  | 'malformed' // wrong length / unknown type / bad IP header
  | 'bad-mac' // mac1 (or mac2 when required) invalid
  | 'decrypt' // AEAD authentication failed
  | 'unknown-index' // receiver index matches no session
  | 'replay' // counter seen or too old
  | 'expired' // keypair past REJECT_AFTER_TIME / REJECT_AFTER_MESSAGES
  | 'source-not-allowed' // inner source address not in the peer's AllowedIPs
  | 'handshake-rejected' // initiation for unknown peer, stale timestamp, flood
  | 'cookie-required' // under load, answered with a cookie reply
  | 'challenge-capped' // under load without mac2, but the cookie-reply caps left it unanswered
  | 'queue-full' // staged packets waiting for a handshake overflowed
  | 'handshake-queue-full'; // handshake message arriving while the handshake queue was full

export interface PeerStats {
  publicKey: string;
  endpoint: Endpoint | null;
  /** Monotonic ms of the last completed handshake, or null. */
  lastHandshake: number | null;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

/**
 * The handshake queue's counters. Names avoid "cookie": log redaction hides
 * fields whose name contains it.
 */
export interface HandshakeStats {
  /** Handshake messages (right type and length) that arrived. */
  received: number;
  /** Waiting in the queue now. */
  queued: number;
  /** Taken from the queue and worked. */
  worked: number;
  /** Cookie replies sent (the challenge for mac2 under load). */
  challengesSent: number;
  /** Most messages the queue held at once. */
  peakQueue: number;
}

export interface DeviceStats {
  peers: PeerStats[];
  drops: Record<DropReason, number>;
  handshakes: HandshakeStats;
}
