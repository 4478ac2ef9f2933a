/**
 * The sans-IO WireGuard device: TUN packets, UDP datagrams and clock ticks
 * in, effects out. It ties the pieces together with wireguard-go's
 * semantics: cryptokey routing, the handshake and cookie layers, keypair
 * rotation, staging, and the timer state machine.
 *
 * Nothing here reads a clock, a random source or a socket on its own: `now`
 * comes with every call, randomness and wall-clock time from the options.
 * No input bytes make it throw; rejected input is counted in stats().drops.
 */
import { HandshakeAdmission } from './admission.js';
import { AllowedIps, canonicalPrefix, samePrefix } from './allowed-ips.js';
import {
  DEFAULT_MTU,
  DEFAULT_UNDER_LOAD_THRESHOLD,
  FAST_PATH_ENDPOINT_MOVED,
  FAST_PATH_NEXT_USED,
  FAST_PATH_RECEIVED_ANY,
  FAST_PATH_RECEIVED_DATA,
  FAST_PATH_REKEY_MESSAGES,
  FAST_PATH_SENT_ANY,
  FAST_PATH_SENT_DATA,
  HANDSHAKE_BUDGET,
  HANDSHAKE_NOISE_COST,
  HANDSHAKE_QUEUE_CAPACITY,
  HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES,
  HANDSHAKE_WORK_INTERVAL,
  KEEPALIVE_TIMEOUT,
  KEY_LENGTH,
  MAX_CONTENT_SIZE,
  MAX_TIMER_HANDSHAKES,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  MESSAGE_RESPONSE,
  MESSAGE_TRANSPORT,
  REJECT_AFTER_TIME,
  REKEY_AFTER_TIME,
  REKEY_TIMEOUT,
  REKEY_TIMEOUT_JITTER_MAX,
  TIMESTAMP_LENGTH,
  TRANSPORT_MIN_SIZE,
} from './constants.js';
import { bytesEqual, compareBytes, tai64n, tai64nAfter } from './crypto.js';
import { HandshakeQueue } from './handshake-queue.js';
import { LoadMonitor } from './load.js';
import {
  innerLength,
  ipVersion,
  IPV4_DESTINATION_OFFSET,
  IPV4_SOURCE_OFFSET,
  IPV6_DESTINATION_OFFSET,
  IPV6_SOURCE_OFFSET,
  parseIpLiteral,
} from './ip.js';
import { Keypair } from './keypair.js';
import { encodeKey, generatePrivateKey, secureRandomBytes } from './keys.js';
import { CookieReply, Initiation, messageType, Response, readU32, Transport } from './messages.js';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  deriveTransportKeys,
  NoiseIdentity,
  openInitiation,
  peerSecrets,
} from './noise.js';
import { Peer, presharedKeyOrZero } from './peer.js';
import { counterExhausted } from './replay.js';
import { NEVER, type JitterSource } from './timers.js';
import {
  openTransport,
  paddedLength,
  sealTransport,
  transportCounterHi,
  transportCounterLo,
} from './transport.js';
import type {
  Cidr,
  DeviceOptions,
  FastPathActivity,
  FastPathSink,
  DeviceStats,
  DropReason,
  Effect,
  Endpoint,
  HandshakeStats,
  OpenTicket,
  PeerConfig,
  PeerStats,
  TransportCryptoSink,
  WgEvent,
} from './types.js';

const EMPTY_PACKET = new Uint8Array(0);

/** The least time between two forced handshakes with one peer (rehandshake), ms. */
export const FORCED_HANDSHAKE_SPACING = 1000;

/** What a local index points at: a peer's pending handshake, or one of its keypairs. */
interface IndexEntry {
  peer: Peer;
  keypair: Keypair | null;
}

/** What an OpenTicket really is: the session a message was addressed to. */
interface SessionTicket extends OpenTicket {
  keypair: Keypair;
  peer: Peer;
}

function zeroDrops(): Record<DropReason, number> {
  return {
    'no-route': 0,
    'no-endpoint': 0,
    malformed: 0,
    'bad-mac': 0,
    decrypt: 0,
    'unknown-index': 0,
    replay: 0,
    expired: 0,
    'source-not-allowed': 0,
    'handshake-rejected': 0,
    'cookie-required': 0,
    'challenge-capped': 0,
    'queue-full': 0,
    'handshake-queue-full': 0,
  };
}

function validateEndpoint(endpoint: Endpoint): Endpoint {
  if (typeof endpoint !== 'object' || endpoint === null)
    throw new Error('endpoint must be an object');
  if (typeof endpoint.host !== 'string' || parseIpLiteral(endpoint.host) === null)
    throw new Error('endpoint host must be an IPv4 or IPv6 address');
  if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) {
    throw new Error('endpoint port must be 1..65535');
  }
  return { host: endpoint.host, port: endpoint.port };
}

function keyBytes(key: Uint8Array, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH)
    throw new Error(`${what} must be 32 bytes`);
  return key;
}

/** Bytes of randomness fetched at once for handshake-timer jitter. */
const JITTER_POOL_BYTES = 512;

export class WireGuardDevice implements JitterSource {
  readonly publicKey: Uint8Array;
  private readonly identity: NoiseIdentity;
  private readonly randomBytes: (n: number) => Uint8Array;
  private readonly wallClock: () => number;
  private readonly mtu: number;
  private readonly admission: HandshakeAdmission;
  private readonly handshakeQueue: HandshakeQueue;
  private readonly load: LoadMonitor;
  /** When the queued handshakes want working next (NEVER while the queue is empty). */
  private handshakesDue = NEVER;
  private handshakesReceived = 0;
  private handshakesWorked = 0;
  private readonly peers = new Map<string, Peer>();
  private readonly routes = new AllowedIps<Peer>();
  private readonly indices = new Map<number, IndexEntry>();
  private readonly drops = zeroDrops();
  private readonly transportCrypto: TransportCryptoSink | null;
  private readonly fastPath: FastPathSink | null;
  private nextPeerId = 1;
  private readonly peersById = new Map<number, Peer>();
  private readonly allowedIps = new Map<Peer, Cidr[]>();
  /** The latest `now` seen, for work scheduled by calls that carry no clock (addPeer). */
  private lastNow: number;
  /** Last TAI64N we sent, so ours strictly increase even if the wall clock steps back. */
  private lastTimestamp: Uint8Array = new Uint8Array(TIMESTAMP_LENGTH);
  /** Random bytes for jitter(), used two at a time. */
  private jitterBytes: Uint8Array = new Uint8Array(0);
  private jitterAt = 0;

  constructor(options: DeviceOptions & { mtu?: number }) {
    const privateKey = new Uint8Array(keyBytes(options.privateKey, 'private key'));
    if (!Number.isFinite(options.now)) throw new Error('now must be a finite number');
    const mtu = options.mtu ?? DEFAULT_MTU;
    if (!Number.isInteger(mtu) || mtu < 0 || mtu > 65535)
      throw new Error('mtu must be an integer 0..65535');
    this.identity = new NoiseIdentity(privateKey);
    this.publicKey = this.identity.publicKey;
    this.randomBytes = options.randomBytes ?? secureRandomBytes;
    this.wallClock = options.wallClock ?? Date.now;
    this.mtu = mtu;
    this.handshakeQueue = new HandshakeQueue(HANDSHAKE_QUEUE_CAPACITY);
    this.load = new LoadMonitor(
      options.underLoadThreshold ?? DEFAULT_UNDER_LOAD_THRESHOLD,
      HANDSHAKE_QUEUE_CAPACITY,
      options.now,
    );
    this.admission = new HandshakeAdmission(this.publicKey, options.now, this.randomBytes);
    this.lastNow = options.now;
    this.transportCrypto = options.transportCrypto ?? null;
    this.fastPath = options.fastPath ?? null;
  }

  // ---------------------------------------------------------------- configuration

  addPeer(config: PeerConfig): void {
    const publicKey = new Uint8Array(keyBytes(config.publicKey, 'peer public key'));
    const name = encodeKey(publicKey);
    if (this.peers.has(name)) throw new Error('peer already exists');
    if (bytesEqual(publicKey, this.publicKey))
      throw new Error("peer public key is the interface's own key");
    const secrets = peerSecrets(this.identity, publicKey);
    if (!secrets) throw new Error('peer public key is a low-order point');
    if (config.presharedKey !== undefined) keyBytes(config.presharedKey, 'preshared key');
    const endpoint = config.endpoint ? validateEndpoint(config.endpoint) : null;
    const keepalive = config.persistentKeepalive ?? 0;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
      throw new Error('persistent keepalive must be 0..65535 seconds');
    }
    if (!Array.isArray(config.allowedIps)) throw new Error('allowed IPs must be a list');
    const prefixes = config.allowedIps.map(canonicalPrefix);

    const peer = new Peer(
      name,
      publicKey,
      presharedKeyOrZero(config.presharedKey),
      secrets.staticStatic,
      secrets.initiatorHash,
      endpoint,
      keepalive * 1000,
    );
    peer.id = this.nextPeerId++;
    this.peers.set(name, peer);
    this.peersById.set(peer.id, peer);
    // A prefix has one owner: the newest peer takes it (as the trie does), so the older
    // owner's list loses it too; republishing that peer must not take it back.
    for (const [other, list] of this.allowedIps) {
      const kept = list.filter((p) => !prefixes.some((q) => samePrefix(p, q)));
      if (kept.length !== list.length) this.allowedIps.set(other, kept);
    }
    this.allowedIps.set(peer, prefixes);
    for (const prefix of prefixes) this.routes.insert(prefix, peer);
    this.fastPath?.setPeer(peer.id, endpoint, prefixes);
    // As wg does when persistent keepalive is configured on a running device:
    // send a keepalive right away, which starts the first handshake.
    if (keepalive > 0 && endpoint) peer.timers.persistentKeepalive = this.lastNow;
  }

  removePeer(publicKey: Uint8Array): void {
    const peer = this.peerByKey(publicKey);
    this.zeroAndFlushAll(peer);
    peer.timers.disarmAll();
    peer.zeroSecrets();
    this.routes.removeValue(peer);
    this.peers.delete(peer.name);
    this.peersById.delete(peer.id);
    this.allowedIps.delete(peer);
    this.fastPath?.removePeer(peer.id);
  }

  setPeerEndpoint(publicKey: Uint8Array, endpoint: Endpoint): void {
    const peer = this.peerByKey(publicKey);
    peer.endpoint = validateEndpoint(endpoint);
    this.publishPeer(peer);
  }

  /** The fast path learns the peer's endpoint and AllowedIPs. */
  private publishPeer(peer: Peer): void {
    this.fastPath?.setPeer(peer.id, peer.endpoint, this.allowedIps.get(peer) ?? []);
  }

  /** The fast path learns the peer's keypairs, after every change to its slots. */
  private publishKeypairs(peer: Peer, now: number): void {
    if (!this.fastPath) return;
    const { previous, current, next } = peer.keypairs;
    const receiving = [previous, current, next].filter((k): k is Keypair => k !== null);
    this.fastPath.setKeypairs(peer.id, current, receiving, next, now);
  }

  /**
   * What the fast path carried since it last reported, as the core's own
   * send and receive paths would have noted it: timers, roaming, confirming a
   * responder's keypair, and rekeying.
   */
  fastPathActivity(activity: FastPathActivity, now: number, out: Effect[]): void {
    this.lastNow = now;
    const peer = this.peersById.get(activity.id);
    if (!peer) return;
    const flags = activity.flags;
    const t = peer.timers;
    if ((flags & FAST_PATH_SENT_ANY) !== 0) {
      t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
      t.anyAuthenticatedPacketSent();
      if ((flags & FAST_PATH_SENT_DATA) !== 0) t.dataSent(now, this);
      this.keepKeyFreshSending(peer, now, out);
    }
    if ((flags & FAST_PATH_REKEY_MESSAGES) !== 0)
      this.sendHandshakeInitiation(peer, false, now, out);
    if ((flags & FAST_PATH_RECEIVED_ANY) === 0) return;
    if ((flags & FAST_PATH_ENDPOINT_MOVED) !== 0 && activity.endpoint) {
      // The fast path already sends there; only the core's copy and the event are left.
      this.setEndpointFromPacket(peer, activity.endpoint, out, false);
    }
    const next = peer.keypairs.next;
    if ((flags & FAST_PATH_NEXT_USED) !== 0 && next && next.localIndex === activity.nextIndex) {
      const retired: Keypair[] = [];
      peer.keypairs.confirm(next, retired);
      this.retire(retired);
      this.publishKeypairs(peer, now);
      this.handshakeComplete(peer, 'responder', now, out);
      this.sendStaged(peer, now, out);
    }
    this.keepKeyFreshReceiving(peer, now, out);
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketReceived();
    if ((flags & FAST_PATH_RECEIVED_DATA) !== 0) t.dataReceived(now);
  }

  private peerByKey(publicKey: Uint8Array): Peer {
    const peer = this.peers.get(encodeKey(keyBytes(publicKey, 'peer public key')));
    if (!peer) throw new Error('no such peer');
    return peer;
  }

  // ---------------------------------------------------------------- inputs

  handleTunPacket(packet: Uint8Array, now: number, out: Effect[]): void {
    this.lastNow = now;
    try {
      this.routeOutbound(packet, now, out);
    } catch {
      // Defensive: no input may escape as an exception.
      this.drop('malformed');
    }
  }

  handleDatagram(data: Uint8Array, from: Endpoint, now: number, out: Effect[]): void {
    this.lastNow = now;
    try {
      switch (messageType(data)) {
        case MESSAGE_TRANSPORT:
          if (data.length < Transport.minSize) return this.drop('malformed');
          return this.receiveTransport(data, from, now, out);
        case MESSAGE_INITIATION:
          if (data.length !== Initiation.size) return this.drop('malformed');
          return this.queueHandshake(data, from, now);
        case MESSAGE_RESPONSE:
          if (data.length !== Response.size) return this.drop('malformed');
          // Only an answer to an initiation of ours is worth a place in the queue.
          if (!this.indices.has(readU32(data, Response.receiver))) {
            return this.drop('unknown-index');
          }
          return this.queueHandshake(data, from, now);
        case MESSAGE_COOKIE_REPLY:
          // Cheap to judge (an index lookup, then one XChaCha20-Poly1305 open of an answer
          // to our own message): worked at once, never queued where it could crowd out
          // handshakes.
          if (data.length !== CookieReply.size) return this.drop('malformed');
          this.handshakesReceived++;
          return this.receiveCookieReply(data, now);
        default:
          return this.drop('malformed');
      }
    } catch {
      this.drop('malformed');
    }
  }

  /**
   * Works queued handshake messages, at most HANDSHAKE_BUDGET units of work
   * (so at most one that reaches Diffie-Hellman). The caller calls this after
   * each batch of datagrams; whatever is left is due again
   * HANDSHAKE_WORK_INTERVAL later (nextDeadline, handleTimers), so a flood is
   * worked off between batches of data rather than ahead of them. Returns
   * how many messages it worked (0: nothing changed).
   */
  handleHandshakes(now: number, out: Effect[]): number {
    this.lastNow = now;
    let spent = 0;
    let worked = 0;
    while (spent < HANDSHAKE_BUDGET) {
      const item = this.handshakeQueue.shift();
      if (!item) break;
      worked++;
      this.handshakesWorked++;
      try {
        spent += this.workHandshake(item.data, item.from, now, out) ? HANDSHAKE_NOISE_COST : 1;
      } catch {
        // Defensive: no input may escape as an exception.
        this.drop('malformed');
        spent++;
      }
    }
    this.handshakesDue = this.handshakeQueue.length > 0 ? now + HANDSHAKE_WORK_INTERVAL : NEVER;
    return worked;
  }

  handleTimers(now: number, out: Effect[]): void {
    this.lastNow = now;
    if (this.handshakesDue <= now) this.handleHandshakes(now, out);
    for (const peer of this.peers.values()) {
      const t = peer.timers;
      if (t.earliest() > now) continue;
      if (t.zeroKeyMaterial <= now) {
        t.zeroKeyMaterial = NEVER;
        this.zeroAndFlushAll(peer);
        this.emit(out, { name: 'keys-zeroed', peer: peer.name });
      }
      if (t.retransmitHandshake <= now) {
        t.retransmitHandshake = NEVER;
        this.expiredRetransmitHandshake(peer, now, out);
      }
      if (t.newHandshake <= now) {
        t.newHandshake = NEVER;
        this.sendHandshakeInitiation(peer, false, now, out);
      }
      if (t.sendKeepalive <= now) {
        t.sendKeepalive = NEVER;
        this.sendKeepalive(peer, now, out);
        if (t.needAnotherKeepalive) {
          t.needAnotherKeepalive = false;
          t.sendKeepalive = now + KEEPALIVE_TIMEOUT;
        }
      }
      if (t.persistentKeepalive <= now) {
        t.persistentKeepalive = NEVER;
        if (peer.persistentKeepaliveMs > 0) this.sendKeepalive(peer, now, out);
      }
    }
  }

  /**
   * Sends a keepalive to every peer with an endpoint, which starts a handshake
   * where there is no session: how the app checks a tunnel it just brought up
   * (or one that seems lost) without waiting for the user's traffic.
   */
  probePeers(now: number, out: Effect[]): void {
    this.lastNow = now;
    for (const peer of this.peers.values()) this.sendKeepalive(peer, now, out);
  }

  /**
   * Starts a new handshake now with every peer that has an endpoint (or only
   * `publicKey`'s), session or not: after the network changed under the
   * tunnel, or a peer's address did, the old path may be dead, and the timers
   * would notice only after up to 15 s of silence. The REKEY_TIMEOUT spacing
   * is waived (the handshake in flight went the old way) but one is still
   * sent at most every FORCED_HANDSHAKE_SPACING ms (unless `spacingMs` says
   * otherwise: a new endpoint has had none yet), so a flapping network cannot
   * make us flood the peer.
   */
  rehandshake(
    now: number,
    out: Effect[],
    only?: { publicKey?: Uint8Array; spacingMs?: number },
  ): number {
    const publicKey = only?.publicKey;
    const spacing = only?.spacingMs ?? FORCED_HANDSHAKE_SPACING;
    this.lastNow = now;
    const peers = publicKey ? [this.peerByKey(publicKey)] : [...this.peers.values()];
    let sent = 0;
    for (const peer of peers) {
      const hs = peer.handshake;
      if (!peer.endpoint) continue;
      if (hs.lastSentHandshake !== null && now - hs.lastSentHandshake < spacing) continue;
      hs.lastSentHandshake = null;
      this.sendHandshakeInitiation(peer, false, now, out);
      sent++;
    }
    return sent;
  }

  nextDeadline(): number | null {
    let earliest = this.handshakesDue;
    for (const peer of this.peers.values()) {
      const t = peer.timers.earliest();
      if (t < earliest) earliest = t;
    }
    return earliest === NEVER ? null : earliest;
  }

  stats(): DeviceStats {
    const peers: PeerStats[] = [];
    for (const peer of this.peers.values()) {
      const fast = this.fastPath?.peerCounters(peer.id) ?? null;
      peers.push({
        publicKey: peer.name,
        endpoint: peer.endpoint ? { host: peer.endpoint.host, port: peer.endpoint.port } : null,
        lastHandshake: peer.lastHandshake,
        rxBytes: peer.rxBytes + (fast?.rxBytes ?? 0),
        txBytes: peer.txBytes + (fast?.txBytes ?? 0),
        rxPackets: peer.rxPackets + (fast?.rxPackets ?? 0),
        txPackets: peer.txPackets + (fast?.txPackets ?? 0),
      });
    }
    const handshakes: HandshakeStats = {
      received: this.handshakesReceived,
      queued: this.handshakeQueue.length,
      worked: this.handshakesWorked,
      challengesSent: this.admission.repliesSent,
      peakQueue: this.handshakeQueue.peak,
    };
    const drops = { ...this.drops };
    const fastDrops = this.fastPath?.drops() ?? {};
    for (const reason of Object.keys(fastDrops) as DropReason[]) {
      if (reason in drops) drops[reason] += fastDrops[reason] ?? 0;
    }
    return { peers, drops, handshakes };
  }

  /** Random 0..333 ms added to handshake timeouts. */
  jitter(): number {
    // Drawn for every ping that re-arms the handshake timer: one CSPRNG call per 256
    // draws, since each call costs more than the rest of a packet's path (issue 11 §3).
    if (this.jitterAt + 2 > this.jitterBytes.length) {
      this.jitterBytes = this.randomBytes(JITTER_POOL_BYTES);
      this.jitterAt = 0;
    }
    const b = this.jitterBytes;
    const i = this.jitterAt;
    this.jitterAt = i + 2;
    return (((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8)) * REKEY_TIMEOUT_JITTER_MAX) >>> 16;
  }

  // ---------------------------------------------------------------- outbound data

  private routeOutbound(packet: Uint8Array, now: number, out: Effect[]): void {
    const version = ipVersion(packet);
    if (version === 0 || packet.length > MAX_CONTENT_SIZE) return this.drop('malformed');
    const peer =
      version === 4
        ? this.routes.lookup(packet, IPV4_DESTINATION_OFFSET, 4)
        : this.routes.lookup(packet, IPV6_DESTINATION_OFFSET, 16);
    if (!peer) return this.drop('no-route');
    if (!peer.endpoint) return this.drop('no-endpoint');
    const keypair = peer.keypairs.current;
    if (peer.staged.length === 0 && keypair !== null && this.canSend(keypair, now)) {
      // Fast path: a live session and nothing queued ahead of this packet.
      if (this.transmit(peer, peer.endpoint, keypair, packet, out)) {
        this.afterSend(peer, true, now, out);
        return;
      }
    }
    // The caller's buffer may be reused: keep a copy (new Uint8Array, not slice(): the
    // addon's arena is a Buffer, whose slice() is a view).
    if (peer.stage(new Uint8Array(packet))) this.drop('queue-full');
    this.sendStaged(peer, now, out);
  }

  private canSend(keypair: Keypair, now: number): boolean {
    return !keypair.sendExhausted() && now - keypair.created < REJECT_AFTER_TIME;
  }

  /** wireguard-go's SendStagedPackets. */
  private sendStaged(peer: Peer, now: number, out: Effect[]): void {
    if (peer.staged.length === 0) return;
    const keypair = peer.keypairs.current;
    const endpoint = peer.endpoint;
    if (keypair === null || !this.canSend(keypair, now) || endpoint === null) {
      this.sendHandshakeInitiation(peer, false, now, out);
      return;
    }
    let sentData = false;
    let sentAny = false;
    while (peer.staged.length > 0) {
      if (keypair.sendExhausted()) break;
      const packet = peer.staged.shift()!;
      if (!this.transmit(peer, endpoint, keypair, packet, out)) {
        peer.staged.unshift(packet);
        break;
      }
      sentAny = true;
      if (packet.length > 0) sentData = true;
    }
    if (sentAny) this.afterSend(peer, sentData, now, out);
    // Counter ran out mid-queue (or the fast path refused the keypair): what is left
    // waits for the new session.
    if (peer.staged.length > 0) this.sendHandshakeInitiation(peer, false, now, out);
  }

  private transmit(
    peer: Peer,
    endpoint: Endpoint,
    keypair: Keypair,
    packet: Uint8Array,
    out: Effect[],
  ): boolean {
    const padded = paddedLength(packet.length, this.mtu);
    const counterHi = keypair.sendCounterHi;
    const counterLo = keypair.sendCounterLo;
    keypair.advanceSendCounter();
    if (this.fastPath) {
      // Refused only at the edge of REJECT_AFTER_TIME, where the two clocks may disagree
      // by a moment: the caller keeps the packet for the next session.
      if (!this.fastPath.transmit(peer.id, packet, padded)) return false;
      peer.txBytes += TRANSPORT_MIN_SIZE + padded;
      peer.txPackets++;
      return true;
    }
    peer.txBytes += TRANSPORT_MIN_SIZE + padded;
    peer.txPackets++;
    if (this.transportCrypto) {
      this.transportCrypto.seal(
        endpoint,
        keypair.sendKey,
        keypair.remoteIndex,
        counterHi,
        counterLo,
        packet,
        padded,
      );
      return true;
    }
    const data = sealTransport(
      keypair.sendKey,
      keypair.remoteIndex,
      counterHi,
      counterLo,
      packet,
      padded,
    );
    out.push({ type: 'udp', to: endpoint, data });
    return true;
  }

  /** Timer bookkeeping after transport packets went out (wireguard-go's sequential sender). */
  private afterSend(peer: Peer, sentData: boolean, now: number, out: Effect[]): void {
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketSent();
    if (sentData) t.dataSent(now, this);
    this.keepKeyFreshSending(peer, now, out);
  }

  private sendKeepalive(peer: Peer, now: number, out: Effect[]): void {
    if (!peer.endpoint) return;
    if (peer.staged.length === 0) peer.stage(EMPTY_PACKET);
    this.sendStaged(peer, now, out);
  }

  /** Rekey when sending on a keypair past REKEY_AFTER_MESSAGES, or one we initiated past REKEY_AFTER_TIME. */
  private keepKeyFreshSending(peer: Peer, now: number, out: Effect[]): void {
    const keypair = peer.keypairs.current;
    if (!keypair) return;
    if (
      keypair.sendPastRekeyLimit() ||
      (keypair.isInitiator && now - keypair.created > REKEY_AFTER_TIME)
    ) {
      this.sendHandshakeInitiation(peer, false, now, out);
    }
  }

  /**
   * Rekey once when receiving on a keypair we initiated that is about to
   * expire, so the session survives even if we only ever receive.
   */
  private keepKeyFreshReceiving(peer: Peer, now: number, out: Effect[]): void {
    const t = peer.timers;
    if (t.sentLastMinuteHandshake) return;
    const keypair = peer.keypairs.current;
    if (
      keypair &&
      keypair.isInitiator &&
      now - keypair.created > REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT
    ) {
      t.sentLastMinuteHandshake = true;
      this.sendHandshakeInitiation(peer, false, now, out);
    }
  }

  // ---------------------------------------------------------------- handshake

  private sendHandshakeInitiation(peer: Peer, isRetry: boolean, now: number, out: Effect[]): void {
    const t = peer.timers;
    if (!isRetry) t.handshakeAttempts = 0;
    const hs = peer.handshake;
    if (hs.lastSentHandshake !== null && now - hs.lastSentHandshake < REKEY_TIMEOUT) return;
    const endpoint = peer.endpoint;
    if (!endpoint) return;
    hs.lastSentHandshake = now;

    this.releaseHandshakeIndex(peer);
    const index = this.allocateIndex(peer);
    const ephemeral = generatePrivateKey(this.randomBytes);
    const message = createInitiation(this.identity, peer, index, ephemeral, this.nextTimestamp());
    ephemeral.fill(0);
    if (!message) {
      // Only a low-order peer key gets here, and addPeer refuses those.
      this.indices.delete(index);
      peer.handshake.clear();
      return;
    }
    peer.cookies.addMacs(message, now);
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketSent();
    this.sendHandshakeMessage(peer, endpoint, message, out);
    t.handshakeInitiated(now, this);
    this.emit(out, {
      name: 'handshake-initiated',
      peer: peer.name,
      attempt: t.handshakeAttempts + 1,
    });
  }

  private expiredRetransmitHandshake(peer: Peer, now: number, out: Effect[]): void {
    const t = peer.timers;
    if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      t.sendKeepalive = NEVER;
      // Without a session for REKEY_ATTEMPT_TIME, queued packets are stale.
      peer.staged = [];
      // Destroy whatever is left of partial exchanges eventually.
      if (t.zeroKeyMaterial === NEVER) t.zeroKeyMaterial = now + 3 * REJECT_AFTER_TIME;
      this.emit(out, { name: 'handshake-gave-up', peer: peer.name });
      return;
    }
    t.handshakeAttempts++;
    this.sendHandshakeInitiation(peer, true, now, out);
  }

  /**
   * Handshake messages wait in the queue, never in the way of transport data.
   * A full queue turns the rest away before any MAC is computed; a bad mac1
   * is turned away before it takes a place.
   */
  private queueHandshake(data: Uint8Array, from: Endpoint, now: number): void {
    this.handshakesReceived++;
    const room =
      messageType(data) === MESSAGE_RESPONSE
        ? this.handshakeQueue.capacity
        : this.handshakeQueue.capacity - HANDSHAKE_QUEUE_RESERVED_FOR_RESPONSES;
    if (this.handshakeQueue.length >= room) return this.drop('handshake-queue-full');
    if (!this.admission.checkMac1(data)) return this.drop('bad-mac');
    this.handshakeQueue.push(data, from);
    if (this.handshakesDue === NEVER) this.handshakesDue = now;
  }

  /** One message from the queue; says whether it went on to Diffie-Hellman work. */
  private workHandshake(data: Uint8Array, from: Endpoint, now: number, out: Effect[]): boolean {
    const type = messageType(data);
    const underLoad = this.load.underLoad(this.handshakeQueue.length, now);
    switch (this.admission.admit(data, from, underLoad, now, out)) {
      case 'cookie-sent':
        this.drop('cookie-required');
        return false;
      case 'unanswered':
        this.drop('challenge-capped');
        return false;
      case 'rate-limited':
        this.drop('handshake-rejected');
        return false;
      case 'admit':
        break;
    }
    if (type === MESSAGE_INITIATION) this.receiveInitiation(data, from, now, out);
    else this.receiveResponse(data, from, now, out);
    return true;
  }

  private receiveInitiation(data: Uint8Array, from: Endpoint, now: number, out: Effect[]): void {
    const opened = openInitiation(this.identity, data);
    if (opened === 'decrypt') return this.drop('decrypt');
    if (opened === 'rejected') return this.drop('handshake-rejected');
    const peer = this.peers.get(encodeKey(opened.remoteStatic));
    if (!peer) return this.drop('handshake-rejected');
    const result = consumeInitiation(opened, peer, data, now);
    if (result === 'decrypt') return this.drop('decrypt');
    if (result !== 'ok') return this.drop('handshake-rejected');

    this.countReceived(peer, data.length);
    peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    peer.timers.anyAuthenticatedPacketReceived();
    this.setEndpointFromPacket(peer, from, out);
    this.sendHandshakeResponse(peer, now, out);
  }

  private sendHandshakeResponse(peer: Peer, now: number, out: Effect[]): void {
    const endpoint = peer.endpoint;
    if (!endpoint) return;
    peer.handshake.lastSentHandshake = now;
    this.releaseHandshakeIndex(peer);
    const index = this.allocateIndex(peer);
    const ephemeral = generatePrivateKey(this.randomBytes);
    const message = createResponse(peer, index, ephemeral);
    ephemeral.fill(0);
    if (!message) {
      // The initiator's ephemeral was low-order: nothing sensible to answer.
      this.indices.delete(index);
      peer.handshake.clear();
      this.drop('handshake-rejected');
      return;
    }
    peer.cookies.addMacs(message, now);
    this.beginSymmetricSession(peer, now);
    const t = peer.timers;
    t.sessionDerived(now);
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketSent();
    this.sendHandshakeMessage(peer, endpoint, message, out);
  }

  private receiveResponse(data: Uint8Array, from: Endpoint, now: number, out: Effect[]): void {
    const receiver = readU32(data, Response.receiver);
    const entry = this.indices.get(receiver);
    if (!entry || entry.keypair !== null || entry.peer.handshake.localIndex !== receiver) {
      return this.drop('unknown-index');
    }
    const peer = entry.peer;
    const result = consumeResponse(this.identity, peer, data);
    if (result === 'decrypt') return this.drop('decrypt');
    if (result !== 'ok') return this.drop('handshake-rejected');

    this.countReceived(peer, data.length);
    this.setEndpointFromPacket(peer, from, out);
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketReceived();
    this.beginSymmetricSession(peer, now);
    t.sessionDerived(now);
    this.handshakeComplete(peer, 'initiator', now, out);
    // Confirms the session to the responder, carrying staged data if any.
    this.sendKeepalive(peer, now, out);
  }

  private receiveCookieReply(data: Uint8Array, now: number): void {
    const entry = this.indices.get(readU32(data, CookieReply.receiver));
    if (!entry) return this.drop('unknown-index');
    if (!entry.peer.cookies.consumeReply(data, now)) return this.drop('decrypt');
  }

  /** Turns the finished handshake into a keypair and files it (wireguard-go's BeginSymmetricSession). */
  private beginSymmetricSession(peer: Peer, now: number): void {
    const keys = deriveTransportKeys(peer.handshake);
    if (!keys) return;
    const keypair = new Keypair(keys, now);
    this.indices.set(keypair.localIndex, { peer, keypair });
    const retired: Keypair[] = [];
    peer.keypairs.install(keypair, retired);
    this.retire(retired);
    this.publishKeypairs(peer, now);
  }

  private handshakeComplete(
    peer: Peer,
    role: 'initiator' | 'responder',
    now: number,
    out: Effect[],
  ): void {
    peer.timers.handshakeComplete();
    peer.lastHandshake = now;
    this.emit(out, { name: 'handshake-complete', peer: peer.name, role });
  }

  private sendHandshakeMessage(
    peer: Peer,
    endpoint: Endpoint,
    message: Uint8Array,
    out: Effect[],
  ): void {
    peer.txBytes += message.length;
    peer.txPackets++;
    out.push({ type: 'udp', to: endpoint, data: message });
  }

  // ---------------------------------------------------------------- inbound data

  private receiveTransport(data: Uint8Array, from: Endpoint, now: number, out: Effect[]): void {
    const entry = this.indices.get(readU32(data, Transport.receiver));
    if (!entry || entry.keypair === null) return this.drop('unknown-index');
    const keypair = entry.keypair;
    const peer = entry.peer;
    if (now - keypair.created > REJECT_AFTER_TIME) return this.drop('expired');
    if (this.transportCrypto) {
      // Cheap checks first, so forged or replayed floods cost no crypto work.
      const hi = transportCounterHi(data);
      const lo = transportCounterLo(data);
      if (counterExhausted(hi, lo)) return this.drop('expired');
      if (!keypair.replay.wouldAccept(hi, lo)) return this.drop('replay');
      const ticket: SessionTicket = { openTicket: true, keypair, peer };
      this.transportCrypto.open(keypair.receiveKey, data, from, ticket);
      return;
    }
    this.afterOpen(keypair, peer, data, openTransport(keypair.receiveKey, data), from, now, out);
  }

  /**
   * Finishes a transport message whose decryption was offloaded
   * (`DeviceOptions.transportCrypto`): `plaintext` is the padded plaintext, or
   * null if it did not authenticate. `data` is the message header or whole message.
   */
  completeOpen(
    ticket: OpenTicket,
    data: Uint8Array,
    plaintext: Uint8Array | null,
    from: Endpoint,
    now: number,
    out: Effect[],
  ): void {
    this.lastNow = now;
    const { keypair, peer } = ticket as SessionTicket;
    // The session may have been replaced and zeroed while the message was in flight.
    if (keypair.zeroed) return this.drop('expired');
    this.afterOpen(keypair, peer, data, plaintext, from, now, out);
  }

  private afterOpen(
    keypair: Keypair,
    peer: Peer,
    data: Uint8Array,
    plaintext: Uint8Array | null,
    from: Endpoint,
    now: number,
    out: Effect[],
  ): void {
    if (!plaintext) return this.drop('decrypt');
    const hi = transportCounterHi(data);
    const lo = transportCounterLo(data);
    if (counterExhausted(hi, lo)) return this.drop('expired');
    if (!keypair.replay.validate(hi, lo)) return this.drop('replay');

    this.setEndpointFromPacket(peer, from, out);
    // Only the first message on a responder's new keypair confirms it; checking
    // first keeps the per-packet path free of allocations.
    if (peer.keypairs.next === keypair) {
      const retired: Keypair[] = [];
      peer.keypairs.confirm(keypair, retired);
      this.retire(retired);
      this.publishKeypairs(peer, now);
      this.handshakeComplete(peer, 'responder', now, out);
      this.sendStaged(peer, now, out);
    }
    this.keepKeyFreshReceiving(peer, now, out);
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveMs);
    t.anyAuthenticatedPacketReceived();
    // The datagram's size, from the plaintext: an offloaded `data` may be the header alone.
    this.countReceived(peer, plaintext.length + TRANSPORT_MIN_SIZE);
    if (plaintext.length === 0) return; // keepalive
    t.dataReceived(now);

    const version = ipVersion(plaintext);
    if (version === 0) return this.drop('malformed');
    const length = innerLength(plaintext, version);
    if (length < 0) return this.drop('malformed');
    const owner =
      version === 4
        ? this.routes.lookup(plaintext, IPV4_SOURCE_OFFSET, 4)
        : this.routes.lookup(plaintext, IPV6_SOURCE_OFFSET, 16);
    if (owner !== peer) return this.drop('source-not-allowed');
    out.push({ type: 'tun', packet: plaintext.subarray(0, length) });
  }

  // ---------------------------------------------------------------- bookkeeping

  private setEndpointFromPacket(peer: Peer, from: Endpoint, out: Effect[], publish = true): void {
    const current = peer.endpoint;
    if (current && current.host === from.host && current.port === from.port) return;
    peer.endpoint = { host: from.host, port: from.port };
    if (publish) this.publishPeer(peer);
    this.emit(out, {
      name: 'endpoint-changed',
      peer: peer.name,
      endpoint: { host: from.host, port: from.port },
    });
  }

  private countReceived(peer: Peer, bytes: number): void {
    peer.rxBytes += bytes;
    peer.rxPackets++;
  }

  /** A fresh random, non-zero local index not in use. */
  private allocateIndex(peer: Peer): number {
    for (;;) {
      const index = readU32(this.randomBytes(4), 0);
      if (index !== 0 && !this.indices.has(index)) {
        this.indices.set(index, { peer, keypair: null });
        return index;
      }
    }
  }

  private releaseHandshakeIndex(peer: Peer): void {
    const index = peer.handshake.localIndex;
    if (index === 0) return;
    const entry = this.indices.get(index);
    if (entry && entry.keypair === null) this.indices.delete(index);
    peer.handshake.localIndex = 0;
  }

  /** Unindexes and zeroes keypairs that left their slots. */
  private retire(keypairs: Keypair[]): void {
    for (const keypair of keypairs) {
      const entry = this.indices.get(keypair.localIndex);
      if (entry && entry.keypair === keypair) this.indices.delete(keypair.localIndex);
      keypair.zero();
    }
  }

  /** Drops every key and the handshake in progress, and staged packets (wireguard-go's ZeroAndFlushAll). */
  private zeroAndFlushAll(peer: Peer): void {
    const retired: Keypair[] = [];
    peer.keypairs.clear(retired);
    this.retire(retired);
    this.publishKeypairs(peer, this.lastNow);
    this.releaseHandshakeIndex(peer);
    peer.handshake.clear();
    peer.staged = [];
  }

  private nextTimestamp(): Uint8Array {
    let timestamp = tai64n(this.wallClock());
    if (compareBytes(timestamp, this.lastTimestamp) <= 0)
      timestamp = tai64nAfter(this.lastTimestamp);
    this.lastTimestamp = timestamp;
    return timestamp;
  }

  private drop(reason: DropReason): void {
    this.drops[reason]++;
  }

  private emit(out: Effect[], event: WgEvent): void {
    out.push({ type: 'event', event });
  }
}
