// The tunnel state machine: the normal path, rates from byte counters, reconnect limits,
// connect timeouts, and an exhaustive check that no state is a dead end and every state it
// produces passes the IPC schema the renderer validates against.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelState } from '../../../ipc/schema.js';
import {
  CONNECT_TIMEOUT_MS,
  initialMachine,
  reduce,
  type Machine,
  type TunnelEvent,
} from '../../../app/main/tunnel-state.js';

const run = (events: TunnelEvent[], m: Machine = initialMachine(true)) => events.reduce(reduce, m);

test('connect, come up, count bytes and rates, disconnect', () => {
  let m = run([
    { type: 'connect', profileId: 'p1', now: 1000 },
    { type: 'tick', now: 3000 },
  ]);
  assert.deepEqual(m.state, { status: 'connecting', profileId: 'p1', sinceMs: 2000 });
  m = run(
    [
      { type: 'up', endpoint: '192.0.2.1:51820', addresses: ['10.0.0.2/32'], now: 4000 },
      { type: 'stats', rxBytes: 125_000, txBytes: 0, lastHandshakeAgeMs: 1000, now: 5000 },
    ],
    m,
  );
  assert.equal(m.state.status, 'connected');
  assert.ok(m.state.status === 'connected');
  assert.equal(m.state.rxBitsPerSecond, 1_000_000);
  assert.equal(m.state.txBitsPerSecond, 0);
  assert.equal(m.state.lastHandshakeAgeMs, 1000);
  m = reduce(m, { type: 'disconnect' });
  assert.deepEqual(m.state, { status: 'disconnected', profileId: 'p1' });
});

test('a first connection that never completes keeps trying (reconnecting), not an error', () => {
  const m = run([
    { type: 'connect', profileId: 'p1', now: 0, killSwitch: true },
    { type: 'tick', now: CONNECT_TIMEOUT_MS },
  ]);
  assert.deepEqual(m.state, {
    status: 'reconnecting',
    profileId: 'p1',
    attempt: 1,
    reason: 'the server did not answer',
    retryInMs: 1000,
    blocking: true,
  });
});

test('a lost connection never gives up: attempts with backoff capped at 30 s, the kill switch blocking', () => {
  let m = run([
    { type: 'connect', profileId: 'p1', now: 0, killSwitch: true },
    { type: 'up', endpoint: 'e:1', addresses: [], now: 1 },
    { type: 'lost', reason: 'no handshake', now: 1000 },
  ]);
  assert.deepEqual(m.state, {
    status: 'reconnecting',
    profileId: 'p1',
    attempt: 1,
    reason: 'no handshake',
    retryInMs: 1000,
    blocking: true,
  });
  // One tick a second for an hour: the attempt count grows, the state never leaves.
  const starts: number[] = [];
  for (let now = 2000; now <= 3_601_000; now += 1000) {
    const before = m.state.status === 'reconnecting' ? m.state.attempt : -1;
    m = reduce(m, { type: 'tick', now });
    assert.equal(m.state.status, 'reconnecting');
    if (m.state.status === 'reconnecting' && m.state.attempt !== before) starts.push(now);
  }
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  assert.deepEqual(gaps.slice(0, 6), [2000, 4000, 8000, 16000, 30000, 30000]);
  assert.ok(gaps.every((g) => g <= 30_000));
  assert.ok(m.state.status === 'reconnecting' && m.state.attempt > 100);
  // Counting down to the next attempt.
  const mid = reduce(m, { type: 'tick', now: 3_601_000 + 500 });
  assert.ok(mid.state.status === 'reconnecting' && mid.state.retryInMs <= 30_000);
  // A new reason is shown without restarting the backoff.
  const again = reduce(m, { type: 'lost', reason: 'still nothing', now: 3_601_500 });
  assert.ok(again.state.status === 'reconnecting' && again.state.attempt === m.state.attempt);
  assert.equal(again.state.reason, 'still nothing');
  // Back, and disconnect still works from reconnecting.
  assert.equal(
    reduce(m, { type: 'up', endpoint: 'e:1', addresses: [], now: 1 }).state.status,
    'connected',
  );
  assert.equal(reduce(m, { type: 'disconnect' }).state.status, 'disconnected');
  // Without the kill switch, nothing is said to be blocked.
  const open = run([
    { type: 'connect', profileId: 'p1', now: 0 },
    { type: 'up', endpoint: 'e:1', addresses: [], now: 1 },
    { type: 'lost', reason: 'x', now: 2 },
  ]);
  assert.ok(open.state.status === 'reconnecting' && open.state.blocking === false);
});

test('signing out wins from anywhere; signed out ignores everything but signing in', () => {
  const m = run([{ type: 'connect', profileId: 'p1', now: 0 }, { type: 'signed-out' }]);
  assert.deepEqual(m.state, { status: 'signed-out' });
  assert.deepEqual(reduce(m, { type: 'connect', profileId: 'p1', now: 1 }).state, {
    status: 'signed-out',
  });
  assert.deepEqual(reduce(m, { type: 'signed-in' }).state, {
    status: 'disconnected',
    profileId: null,
  });
});

test('no dead ends: from every reachable state, disconnect or dismiss leads back, and all states are valid IPC', () => {
  const events: TunnelEvent[] = [
    { type: 'signed-in' },
    { type: 'connect', profileId: 'p1', now: 10 },
    { type: 'up', endpoint: 'e:1', addresses: ['10.0.0.2/32'], now: 20 },
    { type: 'stats', rxBytes: 10, txBytes: 20, lastHandshakeAgeMs: 5, now: 30 },
    { type: 'lost', reason: 'gone', now: 40 },
    { type: 'failed', message: 'Permission denied.', retryable: false },
    { type: 'tick', now: 10 + CONNECT_TIMEOUT_MS },
    { type: 'dismiss' },
    { type: 'disconnect' },
  ];
  // Breadth-first over event sequences up to depth 5.
  let frontier: Machine[] = [initialMachine(false), initialMachine(true)];
  const seen = new Set<string>();
  for (let depth = 0; depth < 5; depth++) {
    const next: Machine[] = [];
    for (const m of frontier) {
      for (const e of events) {
        const r = reduce(m, e);
        assert.ok(TunnelState.safeParse(r.state).success, JSON.stringify(r.state));
        const key = JSON.stringify(r.state);
        if (seen.has(key)) continue;
        seen.add(key);
        next.push(r);
        // The way out: disconnect (then dismiss for errors) reaches a resting state.
        const out = reduce(reduce(r, { type: 'disconnect' }), { type: 'dismiss' });
        assert.ok(
          out.state.status === 'disconnected' || out.state.status === 'signed-out',
          `stuck in ${key}`,
        );
      }
    }
    frontier = next;
  }
  const statuses = new Set([...seen].map((k) => (JSON.parse(k) as TunnelState).status));
  assert.deepEqual([...statuses].sort(), [
    'connected',
    'connecting',
    'disconnected',
    'error',
    'reconnecting',
    'signed-out',
  ]);
});
