/**
 * The desktop app's tunnel state machine (issue 4 §3): a pure reducer from
 * what happened to what the UI shows, in the IPC schema's own TunnelState
 * type. Every state has a way out: a connection attempt that does not
 * complete in time becomes a retryable error, reconnecting gives up into an
 * error after a bounded number of attempts, an error can be retried or
 * dismissed, and disconnect works from everywhere.
 */
import type { TunnelState } from '../../ipc/schema.js';

export const CONNECT_TIMEOUT_MS = 30_000;
export const MAX_RECONNECT_ATTEMPTS = 5;

export type TunnelEvent =
  | { type: 'signed-in' }
  | { type: 'signed-out' }
  | { type: 'connect'; profileId: string; now: number }
  | {
      type: 'up';
      endpoint: string;
      addresses: string[];
      now: number;
    }
  | {
      type: 'stats';
      rxBytes: number;
      txBytes: number;
      lastHandshakeAgeMs: number | null;
      now: number;
    }
  | { type: 'lost'; reason: string; now: number }
  | { type: 'failed'; message: string; retryable: boolean }
  | { type: 'disconnect' }
  | { type: 'dismiss' }
  | { type: 'tick'; now: number };

/** What the reducer remembers beyond the visible state: timing and the last byte counts. */
export interface Machine {
  state: TunnelState;
  since: number;
  lastSample: { rxBytes: number; txBytes: number; at: number } | null;
}

export function initialMachine(signedIn: boolean): Machine {
  return {
    state: signedIn ? { status: 'disconnected', profileId: null } : { status: 'signed-out' },
    since: 0,
    lastSample: null,
  };
}

const profileOf = (s: TunnelState): string | null =>
  s.status === 'signed-out' ? null : s.profileId;

function rate(bytes: number, previous: number, ms: number): number {
  if (ms <= 0 || bytes < previous) return 0;
  return Math.round(((bytes - previous) * 8 * 1000) / ms);
}

export function reduce(m: Machine, e: TunnelEvent): Machine {
  const s = m.state;
  if (e.type === 'signed-out') return initialMachine(false);
  if (s.status === 'signed-out') {
    return e.type === 'signed-in' ? initialMachine(true) : m;
  }
  switch (e.type) {
    case 'signed-in':
      return m;
    case 'connect':
      return {
        state: { status: 'connecting', profileId: e.profileId, sinceMs: 0 },
        since: e.now,
        lastSample: null,
      };
    case 'disconnect':
      return {
        state: { status: 'disconnected', profileId: profileOf(s) },
        since: 0,
        lastSample: null,
      };
    case 'dismiss':
      return s.status === 'error'
        ? { state: { status: 'disconnected', profileId: s.profileId }, since: 0, lastSample: null }
        : m;
    case 'failed':
      return {
        state: {
          status: 'error',
          profileId: profileOf(s),
          message: e.message,
          retryable: e.retryable,
        },
        since: 0,
        lastSample: null,
      };
    case 'up':
      if (s.status !== 'connecting' && s.status !== 'reconnecting') return m;
      return {
        state: {
          status: 'connected',
          profileId: s.profileId,
          endpoint: e.endpoint,
          addresses: e.addresses,
          lastHandshakeAgeMs: null,
          rxBytes: 0,
          txBytes: 0,
          rxBitsPerSecond: 0,
          txBitsPerSecond: 0,
        },
        since: e.now,
        lastSample: { rxBytes: 0, txBytes: 0, at: e.now },
      };
    case 'stats': {
      if (s.status !== 'connected') return m;
      const last = m.lastSample;
      const ms = last ? e.now - last.at : 0;
      return {
        state: {
          ...s,
          rxBytes: e.rxBytes,
          txBytes: e.txBytes,
          lastHandshakeAgeMs: e.lastHandshakeAgeMs,
          rxBitsPerSecond: last ? rate(e.rxBytes, last.rxBytes, ms) : 0,
          txBitsPerSecond: last ? rate(e.txBytes, last.txBytes, ms) : 0,
        },
        since: m.since,
        lastSample: { rxBytes: e.rxBytes, txBytes: e.txBytes, at: e.now },
      };
    }
    case 'lost': {
      if (s.status === 'connected') {
        return {
          state: { status: 'reconnecting', profileId: s.profileId, attempt: 1, reason: e.reason },
          since: e.now,
          lastSample: null,
        };
      }
      if (s.status === 'reconnecting') {
        if (s.attempt >= MAX_RECONNECT_ATTEMPTS) {
          return {
            state: {
              status: 'error',
              profileId: s.profileId,
              message: `The connection was lost and could not be restored: ${e.reason}`,
              retryable: true,
            },
            since: 0,
            lastSample: null,
          };
        }
        return {
          state: { ...s, attempt: s.attempt + 1, reason: e.reason },
          since: e.now,
          lastSample: null,
        };
      }
      return m;
    }
    case 'tick': {
      if (s.status === 'connecting') {
        const elapsed = Math.max(0, e.now - m.since);
        if (elapsed >= CONNECT_TIMEOUT_MS) {
          return {
            state: {
              status: 'error',
              profileId: s.profileId,
              message: 'The server did not answer. Check your network and try again.',
              retryable: true,
            },
            since: 0,
            lastSample: null,
          };
        }
        return { ...m, state: { ...s, sinceMs: elapsed } };
      }
      if (s.status === 'reconnecting' && e.now - m.since >= CONNECT_TIMEOUT_MS) {
        return reduce(m, { type: 'lost', reason: 'no answer from the server', now: e.now });
      }
      return m;
    }
  }
}
