// notifyFromCore: main's state events in, the shell's notices out (one per episode).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notice } from '../../../ipc/notifications.js';
import type { TunnelState } from '../../../ipc/schema.js';
import type { EventListener } from '../../../app/main/core-api.js';
import { EXPIRY_CHECK_MS, notifyFromCore } from '../../../app/main/notifier.js';

test('state events become notices; other events and repeats do not', () => {
  let listener: EventListener | null = null;
  const core = {
    onEvent: (l: EventListener) => {
      listener = l;
      return () => (listener = null);
    },
  };
  const shown: Notice[] = [];
  let now = 0;
  const stop = notifyFromCore(
    core,
    (n) => shown.push(n),
    () => now,
  );
  const emit = (s: TunnelState) => {
    now += 1000;
    listener!('state', s);
  };
  const connected: TunnelState = {
    status: 'connected',
    profileId: 'p',
    endpoint: 'e',
    addresses: [],
    lastHandshakeAgeMs: null,
    rxBytes: 0,
    txBytes: 0,
    rxBitsPerSecond: 0,
    txBitsPerSecond: 0,
  };
  emit(connected);
  listener!('logGrowth', { process: 'main', totalLines: 3 });
  for (let i = 1; i <= 3; i++)
    emit({
      status: 'reconnecting',
      profileId: 'p',
      attempt: i,
      reason: 'no answer',
      retryInMs: 1000,
      blocking: false,
    });
  emit(connected);
  emit(connected);
  assert.deepEqual(
    shown.map((n) => n.kind),
    ['connection-lost', 'reconnected'],
  );
  stop();
  assert.equal(listener, null, 'unsubscribed');
});

test("the sign-in's end from account events: one warning, also with no tunnel event (timer)", () => {
  let listener: EventListener | null = null;
  const core = {
    onEvent: (l: EventListener) => {
      listener = l;
      return () => (listener = null);
    },
  };
  let tick: (() => void) | null = null;
  let cleared = false;
  const timers = {
    setInterval: (fn: () => void, ms: number) => {
      assert.equal(ms, EXPIRY_CHECK_MS);
      tick = fn;
      return 7;
    },
    clearInterval: (h: unknown) => {
      assert.equal(h, 7);
      cleared = true;
    },
  };
  const shown: Notice[] = [];
  let now = 1_000_000;
  const stop = notifyFromCore(
    core,
    (n) => shown.push(n),
    () => now,
    timers,
  );
  const signedIn = (expiresAt: number | null) => ({
    status: 'signed-in' as const,
    portalUrl: 'https://portal.test',
    user: 'Ann',
    device: 'laptop',
    profileId: 'p',
    notice: null,
    expiresAt,
  });
  const disconnected: TunnelState = { status: 'disconnected', profileId: 'p' };
  listener!('state', disconnected);
  // An hour left: nothing yet; the timer looks again with no tunnel event at all.
  listener!('account', signedIn(now + 3_600_000));
  assert.equal(shown.length, 0);
  now += 3_600_000 - 5 * 60_000;
  tick!();
  assert.deepEqual(
    shown.map((n) => n.kind),
    ['sign-in-expiring'],
  );
  assert.match(shown[0]!.body, /about 5 minutes/);
  tick!();
  listener!('state', disconnected);
  assert.equal(shown.length, 1, 'once for this end time');
  // Renewed: a new end, far away; then it comes near again: warned again.
  listener!('account', signedIn(now + 3_600_000));
  now += 3_600_000 - 2 * 60_000;
  tick!();
  assert.equal(shown.length, 2);
  // Signed out: nothing more to warn about.
  listener!('account', { status: 'signed-out', message: null });
  now += 60_000;
  tick!();
  assert.equal(shown.length, 2);
  stop();
  assert.ok(cleared);
  assert.equal(listener, null);
});
