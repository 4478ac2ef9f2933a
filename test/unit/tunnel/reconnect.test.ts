import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HandshakeWatch,
  reconnectDelayMs,
  RetryLoop,
  RECONNECT_MAX_DELAY_MS,
} from '../../../app/tunnel/reconnect.js';

test('reconnect delays double from 1 s and stop at 30 s, for any number of attempts', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 100, 1e9].map(reconnectDelayMs),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000],
  );
  assert.equal(reconnectDelayMs(0), 1000);
  assert.equal(RECONNECT_MAX_DELAY_MS, 30_000);
});

test('a handshake unanswered for 15 s counts as lost; a completed one clears it', () => {
  const w = new HandshakeWatch();
  const init = { name: 'handshake-initiated', peer: 'p', attempt: 1 } as const;
  w.onEvent(init, 1000);
  // Retransmissions do not move the start of the wait.
  w.onEvent({ ...init, attempt: 2 }, 6000);
  assert.equal(w.lost(15_999), false);
  assert.equal(w.lost(16_000), true);
  w.onEvent({ name: 'handshake-complete', peer: 'p', role: 'initiator' }, 16_500);
  assert.equal(w.lost(60_000), false);
  w.onEvent(init, 70_000);
  w.reset();
  assert.equal(w.lost(100_000), false);
});

test('RetryLoop: after WireGuard gives up, handshakes go on with backoff until one completes', () => {
  const timers: { fn: () => void; ms: number }[] = [];
  let probes = 0;
  const attempts: [number, number][] = [];
  const loop = new RetryLoop({
    probe: () => probes++,
    onAttempt: (a, next) => attempts.push([a, next]),
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return {};
    },
    clearTimer: () => {},
  });
  const gaveUp = { name: 'handshake-gave-up', peer: 'p' } as const;
  loop.onEvent(gaveUp);
  loop.onEvent(gaveUp); // already retrying: no second timer
  assert.equal(timers.length, 1);
  for (let i = 0; i < 7; i++) timers[i]!.fn();
  assert.equal(probes, 7);
  assert.deepEqual(
    timers.map((t) => t.ms),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.deepEqual(attempts[6], [7, 30000]);
  loop.onEvent({ name: 'handshake-complete', peer: 'p', role: 'initiator' });
  timers[7]!.fn(); // a timer that fires after being cancelled must not count
  loop.onEvent(gaveUp);
  assert.equal(timers.at(-1)!.ms, 1000, 'a new episode starts from the first delay');
  loop.stop();
  timers.at(-1)!.fn();
  assert.equal(probes, 7, 'nothing after stop');
});
