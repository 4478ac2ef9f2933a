/**
 * The event-driven driver around the sans-IO WireGuard core: it feeds batches
 * from the TUN device and the UDP socket into the core, carries out the effects
 * the core returns, and keeps exactly one timer armed at the core's next
 * deadline. All protocol decisions stay in the core; this file only moves bytes.
 */
import type { DatagramBatch, PacketBatch, TunDevice, UdpSocket } from '../native/types.js';
import type { Logger } from '../log/logger.js';
import type { WireGuardDevice } from './wireguard/device.js';
import type { Effect, Endpoint, WgEvent } from './wireguard/types.js';
import { EndpointCodec } from './endpoint-codec.js';

export interface EngineCounters {
  tunBatches: number;
  tunPacketsIn: number;
  udpBatches: number;
  datagramsIn: number;
  datagramsOut: number;
  tunPacketsOut: number;
  /** Sends or writes the kernel refused, by errno number. */
  ioErrors: Record<number, number>;
}

export class TunnelEngine {
  private readonly out: Effect[] = [];
  private readonly codec = new EndpointCodec();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  readonly counters: EngineCounters = {
    tunBatches: 0,
    tunPacketsIn: 0,
    udpBatches: 0,
    datagramsIn: 0,
    datagramsOut: 0,
    tunPacketsOut: 0,
    ioErrors: {},
  };

  constructor(
    private readonly device: WireGuardDevice,
    private readonly tun: TunDevice,
    private readonly udp: UdpSocket,
    private readonly log: Logger,
    private readonly onEvent: (event: WgEvent) => void = () => {},
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tun.start((batch) => this.onTunBatch(batch));
    this.udp.start((batch) => this.onUdpBatch(batch));
    // Peers with persistent keepalive or staged work get their first timers now.
    this.runTimers();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private onTunBatch(batch: PacketBatch): void {
    if (!this.running) return;
    const now = this.clock();
    this.counters.tunBatches++;
    this.counters.tunPacketsIn += batch.count;
    for (let i = 0; i < batch.count; i++) {
      const off = batch.offsets[i]!;
      // A view into the addon's arena: the core copies whatever it keeps.
      this.device.handleTunPacket(batch.data.subarray(off, off + batch.lengths[i]!), now, this.out);
    }
    this.flush();
  }

  private onUdpBatch(batch: DatagramBatch): void {
    if (!this.running) return;
    const now = this.clock();
    this.counters.udpBatches++;
    this.counters.datagramsIn += batch.count;
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
    this.flush();
  }

  private runTimers(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    this.device.handleTimers(this.clock(), this.out);
    this.flush();
  }

  /** Carry out queued effects, then re-arm the timer if the core's deadline moved earlier. */
  private flush(): void {
    const out = this.out;
    for (let i = 0; i < out.length; i++) {
      const effect = out[i]!;
      switch (effect.type) {
        case 'udp':
          this.sendUdp(effect.to, effect.data);
          break;
        case 'tun': {
          const err = this.tun.write(effect.packet);
          if (err === 0) this.counters.tunPacketsOut++;
          else this.countError(err);
          break;
        }
        case 'event':
          this.onEvent(effect.event);
          break;
      }
    }
    out.length = 0;
    this.armTimer();
  }

  private sendUdp(to: Endpoint, data: Uint8Array): void {
    const addr = this.codec.toBytes(to);
    if (!addr) {
      this.log.warn('cannot send to endpoint', { endpoint: to });
      return;
    }
    const err = this.udp.send(data, addr, to.port);
    if (err === 0) this.counters.datagramsOut++;
    else this.countError(err);
  }

  private countError(errno: number): void {
    this.counters.ioErrors[errno] = (this.counters.ioErrors[errno] ?? 0) + 1;
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
