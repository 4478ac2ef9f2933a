/**
 * Brings a tunnel up from a parsed wg-quick config and takes it down again:
 * the one orchestration shared by the CLI and (later) the desktop helper.
 * Every step that changes the system is undone, in reverse, when a later step
 * fails, so a failed start leaves nothing half-configured.
 */
import { lookup } from 'node:dns/promises';
import { loadAddon } from '../native/addon.js';
import type { NativeAddon, TunDevice, UdpSocket } from '../native/types.js';
import type { WgQuickConfig } from '../config/types.js';
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../log/logger.js';
import { platform, type ConfiguredTunnel, type KillSwitchOptions } from '../platform/index.js';
import { peerEndpoints } from '../platform/types.js';
import { WireGuardDevice } from './wireguard/device.js';
import { encodeKey } from './wireguard/keys.js';
import type { DeviceStats, Endpoint, WgEvent } from './wireguard/types.js';
import { TunnelEngine, type EngineOptions } from './engine.js';
import { addCounters } from './fast-path.js';
import { startStayingConnected, type StayingConnected } from './staying-connected.js';
import { throwIfInterrupted, unlessAborted } from '../util/interrupt.js';
import { fileEndpointMemory, type EndpointMemory } from './endpoint-memory.js';
import { defaultStateDir } from '../platform/linux/state.js';
import { defaultWinStateDir } from '../platform/windows/state.js';

export interface TunnelOptions {
  /** Interface name; null lets the kernel choose. */
  ifname: string | null;
  addon?: NativeAddon;
  /** How often to log counters (ms); 0 = never. */
  statsIntervalMs?: number;
  onEvent?: (event: WgEvent) => void;
  /** Data-path choices (GSO, crypto workers). */
  engine?: EngineOptions;
  /** Watch the network and sleep, and handshake at once on a change. Default true. */
  watchNetwork?: boolean;
  /** Block everything outside the tunnel until stop(); see app/platform/kill-switch.ts. */
  killSwitch?: KillSwitchOptions | null;
  /**
   * A start that fails keeps the kill switch blocking (the helper: the user still wants
   * the tunnel, the state shows the error and Disconnect lifts it). The CLI leaves this
   * off: its failed `up` ends the command, and nothing is left behind.
   */
  keepKillSwitchOnFailure?: boolean;
  /** The last addresses of endpoint host names; default: a file beside the journals (Linux). */
  endpointMemory?: EndpointMemory | null;
}

export interface RunningTunnel {
  readonly ifname: string;
  readonly listenPort: number;
  stats(): TunnelStats;
  /** Starts a handshake with every peer that has no session (keepalive otherwise). */
  probePeers(): void;
  /**
   * Removes everything the tunnel configured. Safe to call twice (the first call's
   * options decide). `keepKillSwitch`: leave the kill switch blocking, for a stop that
   * is not the user's disconnect (the helper shutting down while the tunnel is wanted).
   */
  stop(options?: { keepKillSwitch?: boolean }): Promise<void>;
}

/** Everything the tunnel counts, for logs and for the app. */
export interface TunnelStats {
  device: DeviceStats;
  engine: ReturnType<TunnelEngine['stats']>['engine'];
  crypto: ReturnType<TunnelEngine['stats']>['crypto'];
  gso: boolean;
  /** Which data path carried transport messages. */
  dataPath: 'native' | 'javascript';
  udp: ReturnType<UdpSocket['stats']>;
  tun: ReturnType<TunDevice['stats']>;
}

const DEFAULT_MTU = 1420;

export type LookupHost = (host: string) => Promise<{ address: string }>;

/**
 * Resolves host-name endpoints at start-up, as wg(8) does, remembering each answer. When
 * a name cannot be resolved now, the address it had last time is used (with a warning):
 * a kill switch still blocking from before lets DNS out only through the missing tunnel.
 */
export async function resolveEndpoints(
  config: WgQuickConfig,
  log: Logger,
  memory: EndpointMemory | null,
  lookupHost: LookupHost = (host) => lookup(host),
): Promise<(Endpoint | undefined)[]> {
  return Promise.all(
    config.peers.map(async (peer) => {
      const ep = peer.endpoint;
      if (!ep) return undefined;
      if (ep.isIpLiteral) return { host: ep.host, port: ep.port };
      try {
        const { address } = await lookupHost(ep.host);
        await memory?.remember(ep.host, address).catch((err: unknown) => {
          log.debug('could not remember the endpoint address', { error: err });
        });
        return { host: address, port: ep.port };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
        const last = await memory?.recall(ep.host).catch(() => null);
        if (last) {
          log.warn('endpoint host not resolvable now; using its last address', {
            host: ep.host,
            address: last,
            error: code,
          });
          return { host: last, port: ep.port };
        }
        throw new ConfigError(
          config.file,
          ep.line,
          `cannot resolve Endpoint host "${ep.host}" (${code})`,
        );
      }
    }),
  );
}

/** Where the last endpoint addresses are kept: beside the journals (see endpoint-memory.ts). */
function defaultEndpointMemory(): EndpointMemory | null {
  if (process.platform === 'win32') return fileEndpointMemory(defaultWinStateDir(), 'win32');
  if (process.platform !== 'linux') return null;
  return fileEndpointMemory(defaultStateDir());
}

function explainOpenError(what: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EPERM' || e.code === 'EACCES') {
    return new Error(`${what}: permission denied (run as root or with CAP_NET_ADMIN)`);
  }
  if (e.code === 'EBUSY' || e.code === 'EEXIST') {
    return new Error(`${what}: the interface name is already in use`);
  }
  return new Error(`${what}: ${e.message ?? String(err)}`);
}

/**
 * `stop`, when given, interrupts the start-up: it is checked between steps
 * (and a slow name lookup is abandoned), and an abort rolls back what was
 * done and rejects with Interrupted. Steps themselves are never cut short,
 * so each is either done (and undone) or not done.
 */
export async function startTunnel(
  config: WgQuickConfig,
  options: TunnelOptions,
  log: Logger,
  stop?: AbortSignal,
): Promise<RunningTunnel> {
  const addon = options.addon ?? loadAddon();
  const sys = platform();
  const wgLog = log.child('wg');
  const step = (name: string) => {
    throwIfInterrupted(stop);
    log.trace('start-up step', { step: name });
  };

  step('recover');
  // A dead run's kill switch keeps blocking until this run's replaces it.
  const cleaned = await sys.recoverStale(addon, options.ifname ?? undefined, {
    keepKillSwitch: Boolean(options.killSwitch),
  });
  for (const item of cleaned) log.info('cleaned up after an earlier run', { ...item });

  step('resolve');
  const endpoints = await unlessAborted(
    resolveEndpoints(config, log, options.endpointMemory ?? defaultEndpointMemory()),
    stop,
  );

  // Each acquired resource is pushed here so a failure can release them in reverse.
  const undo: (() => Promise<void> | void)[] = [];
  const rollback = async (): Promise<void> => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (err) {
        log.warn('cleanup step failed', { error: err });
      }
    }
  };

  // Set by stop({ keepKillSwitch }) before the rollback runs; a failed start never keeps it.
  let keepKillSwitch = false;
  let tun: TunDevice;
  let udp: UdpSocket;
  let configured: ConfiguredTunnel;
  let engine: TunnelEngine;
  let engineStarted = false;
  // Re-resolves host-name endpoints and reacts to network changes (staying-connected.ts).
  let staying: StayingConnected | null = null;
  try {
    step('tun');
    try {
      // TUN offloads (TSO/USO super-packets, split and coalesced in the addon) are
      // on by default; SLIPSTREAM_TUN_OFFLOADS=0 is the escape hatch if a kernel or a
      // middle layer mishandles them. A kernel without them is probed, not assumed.
      tun = addon.openTun(options.ifname ?? '', {
        offloads: process.env.SLIPSTREAM_TUN_OFFLOADS !== '0',
      });
    } catch (err) {
      throw explainOpenError('cannot create the tunnel interface', err);
    }
    undo.push(() => tun.close());
    const mtu = config.interface.mtu ?? DEFAULT_MTU;
    step('system');
    configured = await sys.configureTunnel(addon, tun, config, {
      mtu,
      log: log.child('system'),
      killSwitch: options.killSwitch ?? null,
      endpoints: peerEndpoints(endpoints),
      // The engine exists by the time a running tunnel's path can change.
      onPathChange: (reason) => {
        const sent = engineStarted ? engine.rehandshake() : 0;
        log.info('path to the peers changed; handshaking now', { reason, handshakes: sent });
      },
    });
    undo.push(() => configured.teardown({ keepKillSwitch }).then(() => undefined));
    step('udp');
    try {
      udp = addon.openUdp({
        port: config.interface.listenPort ?? 0,
        fwmark: configured.socketMark,
      });
    } catch (err) {
      throw explainOpenError('cannot open the UDP socket', err);
    }
    undo.push(() => udp.close());

    step('engine');
    engine = new TunnelEngine(
      (transportCrypto, fastPath) =>
        new WireGuardDevice({
          privateKey: config.interface.privateKey,
          now: performance.now(),
          mtu,
          transportCrypto,
          ...(fastPath ? { fastPath } : {}),
        }),
      tun,
      udp,
      wgLog,
      (event) => {
        logEvent(wgLog, event);
        staying?.onEvent(event);
        options.onEvent?.(event);
      },
      {
        // Absent only from test fakes of the addon.
        ...(typeof addon.copyRanges === 'function' ? { copyRanges: addon.copyRanges } : {}),
        // The native data path where the addon has it (Linux with libsodium).
        ...(typeof addon.openFastPath === 'function'
          ? { fastPath: { open: addon.openFastPath.bind(addon), mtu } }
          : {}),
        ...options.engine,
      },
    );
    const device = engine.device;
    undo.push(() => engine.stop());
    config.peers.forEach((peer, i) => {
      const endpoint = endpoints[i];
      device.addPeer({
        publicKey: peer.publicKey,
        ...(peer.presharedKey ? { presharedKey: peer.presharedKey } : {}),
        ...(endpoint ? { endpoint } : {}),
        allowedIps: peer.allowedIps,
        ...(peer.persistentKeepalive ? { persistentKeepalive: peer.persistentKeepalive } : {}),
      });
    });
    engine.start();
    engineStarted = true;
    staying = startStayingConnected({
      config,
      engine,
      ifname: tun.name,
      watchNetwork: options.watchNetwork ?? true,
      log,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const started = staying;
    undo.push(() => started.stop());
    step('up');

    log.info('tunnel up', {
      interface: tun.name,
      publicKey: encodeKey(device.publicKey),
      listenPort: udp.port,
      mtu,
      // native: the addon's threads with libsodium carry transport data; javascript: the
      // TypeScript data path with `aead`.
      dataPath: engine.dataPath,
      aead: engine.dataPath === 'native' ? 'libsodium (native)' : engine.aead,
      // What the kernel accepted (TSO, USO), so a report shows which data path ran.
      tunOffloads: tun.offloads,
      peers: config.peers.length,
      addresses: config.interface.addresses.map((a) => a.text),
    });

    let statsTimer: NodeJS.Timeout | null = null;
    const interval = options.statsIntervalMs ?? 60_000;
    const stats = (): TunnelStats => {
      const { native, ...rest } = engine.stats();
      // Syscalls of the JS objects (handshakes) and of the native data path threads.
      return {
        device: device.stats(),
        ...rest,
        udp: addCounters(udp.stats(), native?.udp),
        tun: addCounters(tun.stats(), native?.tun),
      };
    };
    if (interval > 0) {
      statsTimer = setInterval(() => log.info('counters', summarize(stats())), interval);
      statsTimer.unref();
    }

    let stopped: Promise<void> | null = null;
    return {
      ifname: tun.name,
      listenPort: udp.port,
      stats,
      probePeers: () => {
        engine.probePeers();
        started.reconnectAttempt();
      },
      stop: (how = {}) => {
        stopped ??= (async () => {
          if (statsTimer) clearInterval(statsTimer);
          keepKillSwitch = how.keepKillSwitch === true && configured.killSwitch;
          log.info('tunnel going down', {
            interface: tun.name,
            ...(keepKillSwitch ? { killSwitch: 'kept blocking' } : {}),
            ...summarize(stats()),
          });
          await rollback();
          log.info('tunnel down', { interface: tun.name });
        })();
        return stopped;
      },
    };
  } catch (err) {
    keepKillSwitch = options.keepKillSwitchOnFailure === true && Boolean(options.killSwitch);
    await rollback();
    throw err;
  }
}

function summarize(s: TunnelStats): Record<string, unknown> {
  const drops = Object.fromEntries(Object.entries(s.device.drops).filter(([, n]) => n > 0));
  return {
    peers: s.device.peers.map((p) => ({
      publicKey: p.publicKey,
      endpoint: p.endpoint ? `${p.endpoint.host}:${p.endpoint.port}` : null,
      rxBytes: p.rxBytes,
      txBytes: p.txBytes,
    })),
    drops,
    handshakes: s.device.handshakes,
    stats: {
      dataPath: s.dataPath,
      engine: s.engine,
      crypto: s.crypto,
      gso: s.gso,
      udp: s.udp,
      tun: s.tun,
    },
  };
}

function logEvent(log: Logger, event: WgEvent): void {
  switch (event.name) {
    case 'handshake-initiated':
      log.debug('handshake initiated', { peer: event.peer, attempt: event.attempt });
      break;
    case 'handshake-complete':
      log.info('handshake complete', { peer: event.peer, role: event.role });
      break;
    case 'handshake-gave-up':
      log.warn('no handshake response; giving up until there is traffic', { peer: event.peer });
      break;
    case 'endpoint-changed':
      log.info('peer endpoint changed', {
        peer: event.peer,
        endpoint: `${event.endpoint.host}:${event.endpoint.port}`,
      });
      break;
    case 'keys-zeroed':
      log.info('session keys erased after inactivity', { peer: event.peer });
      break;
  }
}
