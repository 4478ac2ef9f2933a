// decideNotifications: what the user is told, from state transitions only, one per episode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decideNotifications,
  EXPIRY_WARNING_MS,
  FLAP_MS,
  initialNotifyMemory,
  type NoticeKind,
  type NotifyInput,
  type NotifyMemory,
} from '../../../ipc/notifications.js';
import type { TunnelState } from '../../../ipc/schema.js';

const connected: TunnelState = {
  status: 'connected',
  profileId: 'p',
  endpoint: '192.0.2.1:51820',
  addresses: [],
  lastHandshakeAgeMs: 0,
  rxBytes: 0,
  txBytes: 0,
  rxBitsPerSecond: 0,
  txBitsPerSecond: 0,
};
const reconnecting = (attempt: number): TunnelState => ({
  status: 'reconnecting',
  profileId: 'p',
  attempt,
  reason: 'the server stopped answering',
  retryInMs: 1000,
  blocking: false,
});
const disconnected: TunnelState = { status: 'disconnected', profileId: 'p' };

/** Feeds a sequence of (input, time) and collects every notice kind, in order. */
function run(
  steps: [NotifyInput | TunnelState, number][],
  memory: NotifyMemory = initialNotifyMemory,
) {
  const kinds: NoticeKind[] = [];
  const bodies: string[] = [];
  for (const [step, now] of steps) {
    const input: NotifyInput = 'status' in step ? { tunnel: step } : step;
    const out = decideNotifications(memory, input, now);
    memory = out.memory;
    kinds.push(...out.notices.map((n) => n.kind));
    bodies.push(...out.notices.map((n) => n.body));
  }
  return { kinds, bodies, memory };
}

test('lost then back: one notice each, however many attempts and stats ticks', () => {
  const { kinds, bodies } = run([
    [connected, 0],
    [connected, 1000],
    [reconnecting(1), 2000],
    [reconnecting(2), 7000],
    [reconnecting(3), 37_000],
    [connected, 40_000],
    [connected, 41_000],
  ]);
  assert.deepEqual(kinds, ['connection-lost', 'reconnected']);
  assert.match(bodies[0]!, /server stopped answering/);
});

test('the first state seen is a starting point, not a transition', () => {
  assert.deepEqual(
    run([
      [reconnecting(4), 0],
      [reconnecting(5), 1],
    ]).kinds,
    [],
  );
  assert.deepEqual(run([[connected, 0]]).kinds, []);
  // Reconnected after attaching mid-episode: the loss was not told, so neither is this.
  assert.deepEqual(
    run([
      [reconnecting(4), 0],
      [connected, 5],
    ]).kinds,
    [],
  );
});

test('an episode the user ends (disconnect) says nothing more', () => {
  const { kinds } = run([
    [connected, 0],
    [reconnecting(1), 1],
    [disconnected, 2],
    [connected, 3],
  ]);
  assert.deepEqual(kinds, ['connection-lost']);
});

test('a flapping tunnel is told once, not on every flap', () => {
  const steps: [TunnelState, number][] = [[connected, 0]];
  for (let i = 0; i < 20; i++) {
    steps.push([reconnecting(1), 10_000 + i * 4000]);
    steps.push([connected, 12_000 + i * 4000]);
  }
  assert.deepEqual(run(steps).kinds, ['connection-lost', 'reconnected']);
  // Once it has been steady for FLAP_MS, a new loss is news again.
  const later = run([
    [connected, 0],
    [reconnecting(1), 1000],
    [connected, 2000],
    [reconnecting(1), 2000 + FLAP_MS],
    [connected, 3000 + FLAP_MS],
  ]);
  assert.deepEqual(later.kinds, [
    'connection-lost',
    'reconnected',
    'connection-lost',
    'reconnected',
  ]);
});

test('the kill switch: one notice per blocking episode, standing in for the loss', () => {
  const { kinds, bodies } = run([
    [{ tunnel: connected, killSwitch: { blocking: false } }, 0],
    [{ tunnel: reconnecting(1), killSwitch: { blocking: true } }, 1],
    [{ tunnel: reconnecting(2), killSwitch: { blocking: true } }, 2],
    [{ tunnel: connected, killSwitch: { blocking: false } }, 3],
    [{ tunnel: disconnected, killSwitch: { blocking: false } }, 4],
    [{ tunnel: disconnected, killSwitch: { blocking: true } }, 5],
    [{ tunnel: disconnected, killSwitch: { blocking: true } }, 6],
  ]);
  assert.deepEqual(kinds, ['traffic-blocked', 'reconnected', 'traffic-blocked']);
  assert.match(bodies[0]!, /reconnecting/);
  // Without the field (no kill switch on this branch or platform) nothing is blocked.
  assert.equal(run([[connected, 0]]).memory.blocking, false);
});

test('sign-in about to expire: once per expiry time, again after a renewal', () => {
  const at = 1_000_000_000;
  const s = (expires: number | null, now: number): [NotifyInput, number] => [
    { tunnel: connected, signInExpiresAt: expires },
    now,
  ];
  const { kinds, bodies } = run([
    s(at, at - EXPIRY_WARNING_MS - 1),
    s(at, at - EXPIRY_WARNING_MS + 1),
    s(at, at - 60_000),
    s(at + 3_600_000, at - 30_000),
    s(at + 3_600_000, at + 3_600_000 - 120_000),
    s(null, at + 3_600_001),
  ]);
  assert.deepEqual(kinds, ['sign-in-expiring', 'sign-in-expiring']);
  assert.match(bodies[0]!, /about 10 minutes/);
  assert.match(bodies[1]!, /about 2 minutes/);
});

test('a helper restart while blocked (lost contact, then blocked again) is not told twice', () => {
  const blocked: TunnelState = {
    status: 'disconnected',
    profileId: null,
    blocked: { reason: 'left by an earlier run' },
  };
  const lost: TunnelState = {
    status: 'error',
    profileId: null,
    message: 'Lost contact with the Slipstream service; trying again…',
    retryable: false,
  };
  const { kinds } = run([
    [connected, 0],
    [blocked, 1000],
    [lost, 2000],
    [blocked, 5000],
    [lost, 6000],
    [blocked, 9000],
  ]);
  assert.deepEqual(kinds, ['traffic-blocked']);
});

test('sign-in expiry: an end that moves by seconds at each renewal is warned once', () => {
  // The provider's lifetime is whole seconds from each renewal: the same end jitters.
  const at = 2_000_000_000;
  const steps: [NotifyInput, number][] = [];
  for (let i = 0; i < 10; i++) {
    const now = at - EXPIRY_WARNING_MS + i * 60_000;
    steps.push([{ tunnel: connected, signInExpiresAt: at + (i % 3) * 1000 - 1000 }, now]);
  }
  assert.deepEqual(run(steps).kinds, ['sign-in-expiring']);
});

test('a reconnecting state whose kill switch blocks says so once, without a separate input', () => {
  let memory = initialNotifyMemory;
  const kinds: string[] = [];
  const feed = (tunnel: TunnelState, at: number) => {
    const out = decideNotifications(memory, { tunnel }, at);
    memory = out.memory;
    kinds.push(...out.notices.map((n) => n.kind));
  };
  feed(connected, 0);
  const blocked = (attempt: number): TunnelState => ({
    status: 'reconnecting',
    profileId: 'p',
    attempt,
    reason: 'the server stopped answering',
    retryInMs: 1000,
    blocking: true,
  });
  feed(blocked(1), 1_000);
  feed(blocked(2), 2_000);
  feed(blocked(3), 3_000);
  assert.equal(kinds.filter((k) => k === 'traffic-blocked').length, 1);
});

test('a block left by an earlier run (disconnected, blocked): one traffic-blocked notice', () => {
  const blocked: TunnelState = {
    status: 'disconnected',
    profileId: 'p',
    blocked: { reason: 'left by an earlier run' },
  };
  const { kinds, bodies } = run([
    [disconnected, 0],
    [blocked, 1000],
    [blocked, 2000],
    [disconnected, 3000],
  ]);
  assert.deepEqual(kinds, ['traffic-blocked']);
  assert.match(bodies[0]!, /blocking traffic outside the tunnel/);
});
