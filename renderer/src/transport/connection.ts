/**
 * Whether the renderer can currently reach the app. The Electron bridge is
 * always up; the WebSocket can drop (the harness restarted) and come back, and
 * the UI shows a banner meanwhile and re-reads everything once it is back.
 */
export type ConnectionStatus = 'connecting' | 'open' | 'down';

export interface ConnectionMonitor {
  status(): ConnectionStatus;
  /** Counts the times the connection opened, so views can re-fetch after a reconnect. */
  epoch(): number;
  subscribe(listener: () => void): () => void;
}

/** For transports that never drop (the Electron preload bridge). */
export const alwaysOpen: ConnectionMonitor = {
  status: () => 'open',
  epoch: () => 1,
  subscribe: () => () => {},
};
