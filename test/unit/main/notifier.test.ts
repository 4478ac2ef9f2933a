// notifyFromCore: main's state events in, the shell's notices out (one per episode).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notice } from '../../../ipc/notifications.js';
import type { TunnelState } from '../../../ipc/schema.js';
import type { EventListener } from '../../../app/main/core-api.js';
import { notifyFromCore } from '../../../app/main/notifier.js';

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
