/**
 * What keeps a running tunnel connected when the world under it changes,
 * tied to one tunnel's engine: host-name endpoints looked up again
 * (endpoint-refresh.ts) and a handshake at once after a network change or a
 * sleep (watch/network-watch.ts). Shared by the CLI and the helper through
 * startTunnel, so both behave alike.
 */
import type { WgQuickConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { TunnelEngine } from './engine.js';
import { EndpointRefresher, type NamedPeer, type Resolve } from './endpoint-refresh.js';
import { watchNetwork, type NetworkWatch } from './watch/network-watch.js';
import { encodeKey } from './wireguard/keys.js';
import type { WgEvent } from './wireguard/types.js';

/** Reconnect attempts closer together than this share one lookup. */
const MIN_LOOKUP_SPACING_MS = 1000;

export interface StayingConnectedOptions {
  config: WgQuickConfig;
  engine: TunnelEngine;
  ifname: string;
  watchNetwork: boolean;
  log: Logger;
  /** Where endpoint changes made here are reported, as the device reports roaming. */
  onEvent?: (event: WgEvent) => void;
  resolve?: Resolve;
}

export interface StayingConnected {
  onEvent(event: WgEvent): void;
  /** The app is trying to get the tunnel back: look host names up again. */
  reconnectAttempt(): void;
  stop(): void;
}

export function startStayingConnected(options: StayingConnectedOptions): StayingConnected {
  const { engine, log } = options;
  const device = engine.device;
  const named: NamedPeer[] = [];
  for (const peer of options.config.peers) {
    const ep = peer.endpoint;
    if (!ep || ep.isIpLiteral) continue;
    named.push({
      name: encodeKey(peer.publicKey),
      publicKey: peer.publicKey,
      host: ep.host,
      port: ep.port,
    });
  }
  const refresher = new EndpointRefresher({
    peers: named,
    current: (peer) =>
      device.stats().peers.find((p) => p.publicKey === peer.name)?.endpoint ?? null,
    apply: (peer, endpoint) => {
      device.setPeerEndpoint(peer.publicKey, endpoint);
      options.onEvent?.({ name: 'endpoint-changed', peer: peer.name, endpoint });
      // The handshake in flight went to the old address: one to the new one now.
      engine.rehandshake({ publicKey: peer.publicKey, spacingMs: 0 });
    },
    log: log.child('endpoint'),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  // startTunnel has just looked the names up: the first probe after it need not.
  let lastAttempt = performance.now();

  const watch: NetworkWatch | null = options.watchNetwork
    ? watchNetwork({
        ownInterface: options.ifname,
        log: log.child('network'),
        onChange: (reasons) => {
          const sent = engine.rehandshake();
          log.info('network changed; handshaking now', { reasons, handshakes: sent });
          // A new network may answer the name differently (split-horizon DNS, a new resolver).
          if (refresher.hasNames) void refresher.refresh('network changed');
        },
      })
    : null;

  return {
    onEvent: (event) => refresher.onEvent(event),
    reconnectAttempt: () => {
      const now = performance.now();
      if (!refresher.hasNames || now - lastAttempt < MIN_LOOKUP_SPACING_MS) return;
      lastAttempt = now;
      void refresher.refresh('reconnect attempt');
    },
    stop: () => {
      refresher.stop();
      watch?.stop();
    },
  };
}
