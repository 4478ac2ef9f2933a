/**
 * The event-driven data path around the sans-IO WireGuard core.
 *
 * Per wake-up of the TUN device or the UDP socket the addon hands over a whole
 * batch; the core frames each packet and assigns its counter; the crypto pool
 * seals or opens the batch on worker threads and returns results in order;
 * sealed datagrams are grouped per destination into GSO runs, each run leaving
 * in one `sendmsg`; decrypted packets go back to the TUN in one batched write.
 * Everything queued during a batch is flushed when the batch's crypto is done,
 * so a lone packet (a ping) is never held back waiting for company.
 *
 * All protocol decisions stay in the core; this file only moves bytes and
 * keeps exactly one timer armed at the core's next deadline.
 */
import type {
  DatagramBatch,
  FastPath,
  FastPathRecord,
  NativeAddon,
  PacketBatch,
  TunDevice,
  UdpSocket,
} from '../native/types.js';
import type { Logger } from '../log/logger.js';
import { transportAead } from './crypto/aead/load.js';
import type { AeadName } from './crypto/aead/types.js';
import { CryptoPool, type CryptoPoolStats } from './crypto/pool.js';
import { CopyQueue, type CopyRanges } from './copy-queue.js';
import { EndpointCodec } from './endpoint-codec.js';
import { activityOf, addCounters, NativeFastPathSink } from './fast-path.js';
import { GsoQueue } from './gso-queue.js';
import type { WireGuardDevice } from './wireguard/device.js';
import type {
  Effect,
  Endpoint,
  FastPathSink,
  OpenTicket,
  TransportCryptoSink,
  WgEvent,
} from './wireguard/types.js';

export interface EngineCounters {
  tunBatches: number;
  tunPacketsIn: number;
  udpBatches: number;
  datagramsIn: number;
  /** Datagrams handed to the kernel (GSO segments counted one by one). */
  datagramsOut: number;
  /** Runs sent with one GSO sendmsg, and the datagrams they carried. */
  gsoRuns: number;
  gsoDatagrams: number;
  tunPacketsOut: number;
  /** Sends or writes the kernel refused, by errno number. */
  ioErrors: Record<number, number>;
}

export interface EngineOptions {
  /** Send with UDP GSO where the kernel allows it. Default true. */
  gso?: boolean;
  /** Crypto worker threads; 0 = on the main thread. Default: cores - 1, at least 1. */
  cryptoWorkers?: number;
  /** The addon's batched copy (native/src/copy_ranges.cc). Default: each copy at once. */
  copyRanges?: CopyRanges;
  /**
   * Carry transport data on the addon's native threads (app/tunnel/fast-path.ts)
   * when it has them; `mtu` is the tunnel's, for padding. Absent, or the addon
   * without openFastPath, or opening it failing: the TypeScript data path.
   */
  fastPath?: { open: NativeAddon['openFastPath']; mtu: number };
  /** False: the TypeScript data path even where the native one exists (--js-data-path). */
  nativeDataPath?: boolean;
}

/** What an offloaded open carries until its result comes back. */
interface OpenTag {
  ticket: OpenTicket;
  from: Endpoint;
}

export class TunnelEngine {
  private readonly out: Effect[] = [];
  private readonly codec = new EndpointCodec();
  /** Packet copies into and out of the crypto lanes, done a batch at a time (copy-queue.ts). */
  private readonly copies: CopyQueue;
  private readonly gsoQueue: GsoQueue<Endpoint>;
  private readonly pool: CryptoPool<Endpoint, OpenTag>;
  /** Seals the core asked for while the pool was delivering results: queued right after. */
  private readonly lateSeals: Parameters<TransportCryptoSink['seal']>[] = [];
  private delivering = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private gsoLogged = false;
  private gsoCheckedAt = Number.NEGATIVE_INFINITY;
  private coalescingLogged = false;
  // Reused batch for TUN writes: offsets/lengths into one arena, no per-packet Buffers.
  private tunArena = new Uint8Array(256 * 1024);
  private tunOffsets = new Uint32Array(256);
  private tunLengths = new Uint32Array(256);
  private tunCount = 0;
  private tunUsed = 0;
  readonly counters: EngineCounters = {
    tunBatches: 0,
    tunPacketsIn: 0,
    udpBatches: 0,
    datagramsIn: 0,
    datagramsOut: 0,
    gsoRuns: 0,
    gsoDatagrams: 0,
    tunPacketsOut: 0,
    ioErrors: {},
  };

  /**
   * `makeDevice` receives the crypto sink the device must be built with, so the
   * engine owns where transport crypto runs.
   */
  constructor(
    makeDevice: (transportCrypto: TransportCryptoSink, fastPath?: FastPathSink) => WireGuardDevice,
    private readonly tun: TunDevice,
    private readonly udp: UdpSocket,
    private readonly log: Logger,
    private readonly onEvent: (event: WgEvent) => void = () => {},
    options: EngineOptions = {},
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (options.gso === false) udp.setGso(false);
    this.fast = this.openFastPath(options);
    this.copies = new CopyQueue(options.copyRanges ?? null);
    this.gsoQueue = new GsoQueue<Endpoint>({ copies: this.copies });
    this.pool = new CryptoPool<Endpoint, OpenTag>(
      {
        sealed: (to, message) => this.gsoQueue.enqueue(to, message),
        opened: (tag, plaintext, header) =>
          this.device.completeOpen(tag.ticket, header, plaintext, tag.from, this.clock(), this.out),
        drained: () => this.afterCrypto(),
        workerError: (error) => this.log.error('crypto worker failed', { error }),
      },
      {
        // Chosen once per process; a fallback to @noble is reported here, once.
        aead: transportAead((message, fields) => this.log.warn(message, fields)),
        // With the native data path the pool seals nothing in bulk: no worker threads.
        ...(this.fast ? { workers: 0 } : {}),
        ...(options.cryptoWorkers === undefined || this.fast
          ? {}
          : { workers: options.cryptoWorkers }),
        copies: this.copies,
      },
    );
    this.device = makeDevice(
      {
        seal: (to, key, receiverIndex, hi, lo, packet, padded) => {
          if (this.delivering || this.pool.delivering) {
            this.lateSeals.push([to, key, receiverIndex, hi, lo, new Uint8Array(packet), padded]);
          } else {
            this.pool.seal(key, receiverIndex, hi, lo, packet, padded, to);
          }
        },
        open: (key, data, from, ticket) => this.pool.open(key, data, { ticket, from }),
      },
      ...(this.fast ? [new NativeFastPathSink(this.fast)] : []),
    );
  }

  readonly device: WireGuardDevice;
  /** The addon's data path threads, when they carry transport data. */
  private readonly fast: FastPath | null;

  private openFastPath(options: EngineOptions): FastPath | null {
    const open = options.fastPath?.open;
    if (!options.fastPath || typeof open !== 'function' || options.nativeDataPath === false) {
      return null;
    }
    try {
      return open(this.tun, this.udp, { mtu: options.fastPath.mtu, gso: this.udp.gso });
    } catch (error) {
      this.log.warn('the native data path could not start; using the JavaScript one', { error });
      return null;
    }
  }

  /** Which data path carries transport messages (for the logs and stats). */
  get dataPath(): 'native' | 'javascript' {
    return this.fast ? 'native' : 'javascript';
  }

  /** Which library seals and opens transport messages (for the logs). */
  get aead(): AeadName {
    return this.pool.aead.name;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.fast) {
      this.noteNativeGso();
      this.fast.start(
        (batch) => this.onTunBatch(batch),
        (batch) => this.onUdpBatch(batch),
        (records) => this.onActivity(records),
      );
    } else {
      this.tun.start((batch) => this.onTunBatch(batch));
      this.udp.start((batch) => this.onUdpBatch(batch));
    }
    // Peers with persistent keepalive or staged work get their first timers now.
    this.runTimers();
  }

  /** Stops timers and the crypto workers; the owner closes the TUN device and socket. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.fast) {
      this.noteNativeGso();
      this.fast.stop();
    }
    await this.pool.close();
  }

  /** Keepalive (and so a handshake where needed) to every peer now; see WireGuardDevice.probePeers. */
  probePeers(): void {
    if (!this.running) return;
    this.device.probePeers(this.clock(), this.out);
    this.endOfBatch();
  }

  /** A new handshake now (all peers, or one); see WireGuardDevice.rehandshake. */
  rehandshake(only?: Parameters<WireGuardDevice['rehandshake']>[2]): number {
    if (!this.running) return 0;
    const sent = this.device.rehandshake(this.clock(), this.out, only);
    this.endOfBatch();
    return sent;
  }

  stats(): {
    engine: EngineCounters;
    crypto: CryptoPoolStats;
    gso: boolean;
    dataPath: 'native' | 'javascript';
    native: ReturnType<FastPath['stats']> | null;
  } {
    const native = this.fast ? this.fast.stats() : null;
    // What the native threads carried, in the engine's terms, on top of what JS did.
    const engine = native
      ? addCounters(this.counters, {
          tunBatches: 0,
          tunPacketsIn: native.tun.packetsRead,
          udpBatches: 0,
          datagramsIn: native.udp.datagramsReceived,
          datagramsOut: native.udp.datagramsSent,
          gsoRuns: native.udp.gsoSends,
          gsoDatagrams: native.udp.segmentsSent,
          tunPacketsOut: native.tun.packetsWritten,
          ioErrors: {},
        })
      : this.counters;
    return {
      engine,
      crypto: this.pool.stats,
      gso: native ? native.gso : this.udp.gso,
      dataPath: this.dataPath,
      native,
    };
  }

  /** Logs once that the native threads send without GSO, and why (as flushUdp does for JS). */
  private noteNativeGso(): void {
    if (this.gsoLogged || !this.fast) return;
    const native = this.fast.stats();
    if (native.gso) return;
    this.gsoLogged = true;
    this.log.info('UDP GSO is off; sending batches with sendmmsg', {
      reason: native.udp.gsoFallbacks > 0 ? 'refused by the kernel' : 'disabled',
    });
  }

  /** What the native data path carried: the core's timers and roaming run on it. */
  private onActivity(records: FastPathRecord[]): void {
    if (!this.running) return;
    const now = this.clock();
    if (!this.gsoLogged && now - this.gsoCheckedAt > 1000) {
      this.gsoCheckedAt = now;
      this.noteNativeGso();
    }
    for (const record of records) this.device.fastPathActivity(activityOf(record), now, this.out);
    this.endOfBatch();
  }

  private onTunBatch(batch: PacketBatch): void {
    if (!this.running) return;
    const now = this.clock();
    this.counters.tunBatches++;
    this.counters.tunPacketsIn += batch.count;
    try {
      for (let i = 0; i < batch.count; i++) {
        const off = batch.offsets[i]!;
        // A view into the addon's arena: the core and the pool copy what they keep.
        this.device.handleTunPacket(
          batch.data.subarray(off, off + batch.lengths[i]!),
          now,
          this.out,
        );
      }
    } finally {
      // Copies queued from the arena happen while it still holds this batch, even if
      // something threw: the addon refills it for the next one.
      this.copies.flush();
    }
    this.endOfBatch();
  }

  private onUdpBatch(batch: DatagramBatch): void {
    if (!this.running) return;
    const now = this.clock();
    this.counters.udpBatches++;
    this.counters.datagramsIn += batch.count;
    try {
      for (let i = 0; i < batch.count; i++) {
        const off = batch.offsets[i]!;
        const from = this.codec.fromBatch(batch, i);
        this.device.handleDatagram(
          batch.data.subarray(off, off + batch.lengths[i]!),
          from,
          now,
          this.out,
        );
      }
    } finally {
      this.copies.flush(); // as in onTunBatch
    }
    this.endOfBatch();
    // Handshakes the batch brought wait in the core's queue: one budget of work once the
    // batch's data is on its way, the rest at the core's next deadline.
    if (this.device.handleHandshakes(this.clock(), this.out) > 0) this.endOfBatch();
  }

  private runTimers(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    this.device.handleTimers(this.clock(), this.out);
    this.endOfBatch();
  }

  /** Hands the batch's crypto to the pool; effects that need none go out now. */
  private endOfBatch(): void {
    this.pool.submit();
    this.afterCrypto();
    // The batch's arena is the addon's again once this callback returns.
    this.copies.flush();
  }

  /** Runs after each delivery of crypto results (and at the end of every batch). */
  private afterCrypto(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      this.carryOutEffects();
      this.flushTun();
      this.flushUdp();
    } finally {
      this.delivering = false;
    }
    if (this.lateSeals.length > 0) {
      for (const args of this.lateSeals.splice(0)) {
        const [to, key, receiverIndex, hi, lo, packet, padded] = args;
        this.pool.seal(key, receiverIndex, hi, lo, packet, padded, to);
      }
      this.pool.submit();
    }
    this.armTimer();
  }

  private carryOutEffects(): void {
    const out = this.out;
    for (let i = 0; i < out.length; i++) {
      const effect = out[i]!;
      switch (effect.type) {
        case 'udp':
          // Handshake messages: rare, sent at once.
          this.sendOne(effect.to, effect.data);
          break;
        case 'tun':
          this.queueTun(effect.packet);
          break;
        case 'event':
          this.onEvent(effect.event);
          break;
      }
    }
    out.length = 0;
  }

  private queueTun(packet: Uint8Array): void {
    if (this.tunCount === this.tunOffsets.length) this.flushTun();
    if (this.tunUsed + packet.length > this.tunArena.length) {
      this.flushTun();
      if (packet.length > this.tunArena.length) this.tunArena = new Uint8Array(packet.length);
    }
    this.copies.add(this.tunArena, this.tunUsed, packet);
    this.tunOffsets[this.tunCount] = this.tunUsed;
    this.tunLengths[this.tunCount] = packet.length;
    this.tunUsed += packet.length;
    this.tunCount++;
  }

  private flushTun(): void {
    if (this.tunCount === 0) return;
    this.copies.flush();
    const written = this.tun.writeBatch(
      this.tunArena,
      this.tunOffsets,
      this.tunLengths,
      this.tunCount,
    );
    this.counters.tunPacketsOut += written;
    if (written < this.tunCount) this.countError(0, this.tunCount - written);
    this.tunCount = 0;
    this.tunUsed = 0;
    if (!this.coalescingLogged && this.tun.offloads.vnetHeader && !this.tun.coalescing) {
      this.coalescingLogged = true;
      this.log.warn('the kernel refused a coalesced TUN write; writing packets one by one');
    }
  }

  private flushUdp(): void {
    if (this.gsoQueue.pending === 0) return;
    this.gsoQueue.flush((to, data, segmentSize, count) => {
      const addr = this.codec.toBytes(to);
      if (!addr) {
        this.log.warn('cannot send to endpoint', { endpoint: to });
        return;
      }
      const err = this.udp.sendSegments(data, segmentSize, addr, to.port);
      if (err !== 0) {
        this.countError(err, count);
        return;
      }
      this.counters.datagramsOut += count;
      if (count > 1) {
        this.counters.gsoRuns++;
        this.counters.gsoDatagrams += count;
      }
    });
    if (!this.gsoLogged && !this.udp.gso) {
      this.gsoLogged = true;
      this.log.info('UDP GSO is off; sending batches with sendmmsg', {
        reason: this.udp.gsoFallbacks > 0 ? 'refused by the kernel' : 'disabled',
      });
    }
  }

  private sendOne(to: Endpoint, data: Uint8Array): void {
    const addr = this.codec.toBytes(to);
    if (!addr) {
      this.log.warn('cannot send to endpoint', { endpoint: to });
      return;
    }
    const err = this.udp.send(data, addr, to.port);
    if (err === 0) this.counters.datagramsOut++;
    else this.countError(err);
  }

  private countError(errno: number, n = 1): void {
    this.counters.ioErrors[errno] = (this.counters.ioErrors[errno] ?? 0) + n;
  }

  private armTimer(): void {
    if (!this.running) return;
    const deadline = this.device.nextDeadline();
    if (deadline === null || deadline >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = deadline;
    const delay = Math.max(0, Math.ceil(deadline - this.clock()));
    this.timer = setTimeout(() => this.runTimers(), delay);
  }
}
