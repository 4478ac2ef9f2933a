/**
 * The desktop app's tunnel state machine (issue 4 §3): a pure reducer from
 * what happened to what the UI shows, in the IPC schema's own TunnelState
 * type. Every state has a way out: disconnect works from everywhere, and an
 * error can be retried or dismissed. What it never does while the user wants
 * the tunnel is give up (issue 12): a first connection that does not complete
 * in time, or a lost one, becomes `reconnecting`, which tries again with
 * backoff (app/tunnel/reconnect.ts) for as long as it takes, the kill switch
 * blocking meanwhile. Only a start that fails outright is an error.
 */
import type { TunnelState } from '../../ipc/schema.js';
import { reconnectDelayMs } from '../tunnel/reconnect.js';

export const CONNECT_TIMEOUT_MS = 30_000;

export type TunnelEvent =
  | { type: 'signed-in' }
  | { type: 'signed-out' }
  | { type: 'connect'; profileId: string; now: number; killSwitch?: boolean }
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
  /** The connection wanted has the kill switch on. */
  killSwitch?: boolean;
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

function reconnecting(m: Machine, profileId: string, reason: string, now: number): Machine {
  return {
    state: {
      status: 'reconnecting',
      profileId,
      attempt: 1,
      reason,
      retryInMs: reconnectDelayMs(1),
      blocking: m.killSwitch === true,
    },
    since: now,
    lastSample: null,
    killSwitch: m.killSwitch === true,
  };
}

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
        killSwitch: e.killSwitch === true,
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
        killSwitch: m.killSwitch === true,
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
        killSwitch: m.killSwitch === true,
      };
    }
    case 'lost': {
      if (s.status === 'connected') return reconnecting(m, s.profileId, e.reason, e.now);
      // Already trying again: the latest reason is shown; the backoff goes on.
      if (s.status === 'reconnecting') return { ...m, state: { ...s, reason: e.reason } };
      return m;
    }
    case 'tick': {
      if (s.status === 'connecting') {
        const elapsed = Math.max(0, e.now - m.since);
        if (elapsed >= CONNECT_TIMEOUT_MS) {
          return reconnecting(m, s.profileId, 'the server did not answer', e.now);
        }
        return { ...m, state: { ...s, sinceMs: elapsed } };
      }
      if (s.status === 'reconnecting') {
        const wait = reconnectDelayMs(s.attempt);
        if (e.now - m.since >= wait) {
          // The next attempt (the controller handshakes again when `attempt` grows).
          const attempt = s.attempt + 1;
          return {
            ...m,
            state: { ...s, attempt, retryInMs: reconnectDelayMs(attempt) },
            since: e.now,
          };
        }
        const retryInMs = Math.max(0, m.since + wait - e.now);
        return retryInMs === s.retryInMs ? m : { ...m, state: { ...s, retryInMs } };
      }
      return m;
    }
  }
}
