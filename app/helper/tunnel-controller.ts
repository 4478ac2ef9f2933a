/**
 * Runs the tunnel for the desktop app and keeps the one TunnelState the UI
 * shows. The state machine is the pure reducer in app/main/tunnel-state.ts;
 * it runs here, in the helper that owns the tunnel, so the state survives the
 * GUI quitting and a reconnecting GUI simply asks for it.
 *
 * Facts fed to the reducer: a connect request, the tunnel's first completed
 * handshake ("up"), byte counters every second, a lost session (the handshake
 * gave up, or no handshake for longer than a session may live), failures.
 * Whenever the reducer leaves the connecting/connected/reconnecting states,
 * the tunnel is taken down, so no state leaves an interface behind.
 */
import {
  DEFAULT_PROFILE_SETTINGS,
  type ProfileSettings,
  type TunnelState,
} from '../../ipc/schema.js';
import { ConfigError } from '../config/errors.js';
import type { WgQuickConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { initialMachine, reduce, type Machine, type TunnelEvent } from '../main/tunnel-state.js';
import type { RunningTunnel, TunnelOptions } from '../tunnel/session.js';
import { REJECT_AFTER_TIME } from '../tunnel/wireguard/constants.js';
import type { WgEvent } from '../tunnel/wireguard/types.js';
import { formatEndpoint } from '../config/endpoint.js';
import { decideKillSwitch } from '../platform/kill-switch.js';
import { HandshakeWatch } from '../tunnel/reconnect.js';

export type StartTunnel = (
  config: WgQuickConfig,
  options: TunnelOptions,
  log: Logger,
) => Promise<RunningTunnel>;

export interface ControllerOptions {
  startTunnel: StartTunnel;
  /** Interface name for the tunnel; null lets the kernel choose. */
  ifname: string | null;
  log: Logger;
  onState: (state: TunnelState) => void;
  /** Wall clock for the reducer's timeouts and rates (ms). */
  now?: () => number;
  /** How often to sample counters and check timeouts (ms). Default 1000: the UI's "every second". */
  tickMs?: number;
  /**
   * An explicit disconnect also lifts a kill switch that an earlier helper or
   * CLI run left blocking (what `slipstream down` does); absent = nothing.
   */
  liftStale?: () => Promise<void>;
}

const LIVE = new Set(['connecting', 'connected', 'reconnecting']);

export class TunnelController {
  private machine: Machine = initialMachine(true);
  private tunnel: RunningTunnel | null = null;
  /** Increments on every connect/disconnect, so late results of an older attempt are ignored. */
  private generation = 0;
  private ticker: NodeJS.Timeout | null = null;
  private endpointText = '';
  private addresses: string[] = [];
  private stopping: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();
  /** Set by close(): how a start still under way must stop its tunnel; no new starts. */
  private closing: { keepKillSwitch: boolean } | null = null;
  private readonly now: () => number;
  private readonly handshakes = new HandshakeWatch();

  constructor(private readonly options: ControllerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): TunnelState {
    return this.machine.state;
  }

  /**
   * Starts (or switches to) a profile. Starts run one at a time: a second
   * connect waits for the first start to finish, which then sees it is no
   * longer wanted and stops its tunnel, so two tunnels never configure the
   * system at once.
   */
  connect(
    profileId: string,
    config: WgQuickConfig,
    settings: ProfileSettings = DEFAULT_PROFILE_SETTINGS,
  ): Promise<void> {
    const s = this.machine.state;
    if (this.closing) return Promise.resolve(); // the helper is stopping
    if (LIVE.has(s.status) && 'profileId' in s && s.profileId === profileId) {
      return Promise.resolve();
    }
    const generation = ++this.generation;
    this.tunnelDown();
    this.handshakes.reset();
    // The profile's own choice; null = the default (on for full tunnels).
    const killSwitch = decideKillSwitch({
      peers: config.peers,
      setting: settings.killSwitch,
      allowLan: settings.allowLan,
    });
    this.options.log.info('kill switch', {
      on: killSwitch.options !== null,
      why: killSwitch.reason,
      allowLan: killSwitch.options?.allowLan ?? false,
    });
    this.apply({
      type: 'connect',
      profileId,
      now: this.now(),
      killSwitch: killSwitch.options !== null,
    });
    this.addresses = config.interface.addresses.map((a) => a.text).slice(0, 64);
    const first = config.peers.find((p) => p.endpoint)?.endpoint;
    this.endpointText = first ? formatEndpoint(first) : '';
    this.startTicker();
    return this.serially(() => this.start(generation, config, killSwitch.options));
  }

  /** Immediate: a start under way notices it is unwanted and stops its own tunnel. */
  async disconnect(): Promise<void> {
    this.generation++;
    this.apply({ type: 'disconnect' });
    await this.stopping;
    await this.options.liftStale?.().catch((err: unknown) => {
      this.options.log.error('could not remove what an earlier run left', { error: err });
    });
    // Once more, now that the block is lifted (or failed to be): the first "disconnected"
    // went out while the teardown was still running.
    const s = this.machine.state;
    if (s.status === 'disconnected') this.options.onState(s);
  }

  dismiss(): void {
    this.apply({ type: 'dismiss' });
  }

  /**
   * Takes the tunnel down (helper shutdown), after any start under way has finished.
   * Not a disconnect: while the user wants the tunnel, its kill switch stays blocking
   * (fail closed through a service stop or restart); Disconnect, `slipstream down`, or
   * the next connect lift or replace it.
   */
  async close(request: { asDisconnect?: boolean } = {}): Promise<void> {
    this.generation++;
    this.stopTicker();
    // Decided once, before anything else runs: a start still under way sees this too
    // (its tunnel is no longer wanted by this process, but still by the user). A close
    // the user asked for (the app quitting its own child helper) is a disconnect.
    this.closing ??= {
      keepKillSwitch: request.asDisconnect !== true && LIVE.has(this.machine.state.status),
    };
    const how = this.closing;
    await this.serially(() => this.takeDown(how));
  }

  private async start(
    generation: number,
    config: WgQuickConfig,
    killSwitch: TunnelOptions['killSwitch'],
  ): Promise<void> {
    await this.stopping;
    if (generation !== this.generation) return;
    let tunnel: RunningTunnel;
    try {
      tunnel = await this.options.startTunnel(
        config,
        {
          ifname: this.options.ifname,
          statsIntervalMs: 60_000,
          killSwitch,
          keepKillSwitchOnFailure: true,
          onEvent: (event) => {
            if (generation === this.generation) this.onWgEvent(event);
          },
        },
        this.options.log.child('tunnel'),
      );
    } catch (err) {
      if (generation !== this.generation) return;
      this.options.log.error('could not bring the tunnel up', { error: err });
      this.apply({ type: 'failed', message: explain(err), retryable: true });
      return;
    }
    if (generation !== this.generation) {
      // Disconnected (or switched) while starting: this tunnel is not wanted. If the
      // helper is closing instead, the user still wants it: keep its block (close()).
      await tunnel.stop(this.closing ?? {}).catch((err: unknown) => {
        this.options.log.error('could not take an unwanted tunnel down', { error: err });
      });
      return;
    }
    this.tunnel = tunnel;
    // Handshake now rather than on the user's first packet, so "connected" means it.
    tunnel.probePeers();
  }

  /** Runs `work` after everything queued before it, whatever that did. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private onWgEvent(event: WgEvent): void {
    this.handshakes.onEvent(event, this.now());
    if (event.name === 'handshake-complete') {
      const s = this.machine.state.status;
      if (s === 'connecting' || s === 'reconnecting') {
        this.apply({
          type: 'up',
          endpoint: this.endpointText,
          addresses: this.addresses,
          now: this.now(),
        });
      }
    } else if (event.name === 'handshake-gave-up') {
      if (this.machine.state.status === 'connected' || this.machine.state.status === 'reconnecting')
        this.lost('the server stopped answering');
    } else if (event.name === 'endpoint-changed') {
      this.endpointText = formatEndpoint(event.endpoint);
    }
  }

  private lost(reason: string): void {
    this.apply({ type: 'lost', reason, now: this.now() });
    // Try again at once; the reducer bounds how often.
    if (this.machine.state.status === 'reconnecting') this.tunnel?.probePeers();
  }

  private tick(): void {
    const now = this.now();
    const s = this.machine.state;
    if (s.status === 'connected' && this.tunnel) {
      const stats = this.tunnel.stats().device;
      let rx = 0;
      let tx = 0;
      let last: number | null = null;
      for (const p of stats.peers) {
        rx += p.rxBytes;
        tx += p.txBytes;
        if (p.lastHandshake !== null && (last === null || p.lastHandshake > last))
          last = p.lastHandshake;
      }
      const age = last === null ? null : Math.max(0, Math.round(performance.now() - last));
      this.apply({ type: 'stats', rxBytes: rx, txBytes: tx, lastHandshakeAgeMs: age, now });
      // A session older than REJECT_AFTER_TIME that was not renewed is dead.
      if (age !== null && age > REJECT_AFTER_TIME + 30_000) this.lost('no handshake for too long');
      else if (this.handshakes.lost(now)) this.lost('the server has not answered for 15 s');
      return;
    }
    const before = this.machine.state;
    this.apply({ type: 'tick', now });
    const after = this.machine.state;
    // Each new attempt handshakes again (the hook for re-resolving endpoints, too).
    if (
      after.status === 'reconnecting' &&
      (before.status !== 'reconnecting' || after.attempt !== before.attempt)
    )
      this.tunnel?.probePeers();
  }

  private apply(event: TunnelEvent): void {
    const before = this.machine.state;
    this.machine = reduce(this.machine, event);
    const after = this.machine.state;
    if (!LIVE.has(after.status)) {
      this.stopTicker();
      void this.takeDown();
    }
    if (after !== before) {
      if (after.status !== before.status)
        this.options.log.info('tunnel state', { from: before.status, to: after.status });
      this.options.onState(after);
    }
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private tunnelDown(): void {
    void this.takeDown();
  }

  private takeDown(how: { keepKillSwitch?: boolean } = {}): Promise<void> {
    const tunnel = this.tunnel;
    this.tunnel = null;
    if (tunnel) {
      this.stopping = this.stopping.then(() =>
        tunnel.stop(how).catch((err: unknown) => {
          this.options.log.error('could not take the tunnel down cleanly', { error: err });
        }),
      );
    }
    return this.stopping;
  }
}

/** One sentence for the UI; details stay in the helper's log. */
function explain(err: unknown): string {
  if (err instanceof ConfigError) return `The profile has a problem: ${err.problem}`;
  const message = err instanceof Error ? err.message : '';
  if (/permission denied/.test(message))
    return 'Slipstream is not allowed to create the tunnel. Is the Slipstream service installed?';
  if (/already in use/.test(message)) return 'Another tunnel is using the interface name.';
  return 'The tunnel could not be started. The helper log has the details.';
}
