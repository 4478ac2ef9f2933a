// The state a (re)attaching GUI gets: a kill switch that outlived the helper run that made
// it (the service restarted while connected) shows as "blocked", with why; nothing else
// changes, and every answer is a valid TunnelState of the one IPC schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelState } from '../../../ipc/schema.js';
import { attachState, LEFTOVER_BLOCK_REASON } from '../../../app/helper/attach-state.js';

const reconnecting: TunnelState = {
  status: 'reconnecting',
  profileId: 'p',
  attempt: 3,
  reason: 'the server stopped answering',
  retryInMs: 4000,
  blocking: true,
};

test('disconnected with a kill switch blocking: says blocked and why', () => {
  const s = attachState({ status: 'disconnected', profileId: 'p' }, true);
  assert.deepEqual(s, {
    status: 'disconnected',
    profileId: 'p',
    blocked: { reason: LEFTOVER_BLOCK_REASON },
  });
  assert.deepEqual(TunnelState.parse(s), s, 'valid on the wire');
  assert.ok(LEFTOVER_BLOCK_REASON.length <= 500);
  const none = attachState({ status: 'disconnected', profileId: null }, true);
  assert.equal(none.status === 'disconnected' && none.blocked?.reason, LEFTOVER_BLOCK_REASON);
});

test('no block: disconnected stays plain, and a stale "blocked" is dropped', () => {
  const plain: TunnelState = { status: 'disconnected', profileId: null };
  assert.equal(attachState(plain, false), plain);
  assert.deepEqual(
    attachState({ status: 'disconnected', profileId: 'p', blocked: { reason: 'x' } }, false),
    { status: 'disconnected', profileId: 'p' },
  );
});

test('a live tunnel or an error is reported as the state machine has it', () => {
  // Reconnecting already says whether it blocks; the platform's answer does not override it.
  assert.equal(attachState(reconnecting, true), reconnecting);
  assert.equal(attachState(reconnecting, false), reconnecting);
  const error: TunnelState = { status: 'error', profileId: 'p', message: 'm', retryable: true };
  assert.equal(attachState(error, true), error);
  const signedOut: TunnelState = { status: 'signed-out' };
  assert.equal(attachState(signedOut, true), signedOut);
});

test('the schema refuses a malformed block', () => {
  assert.equal(
    TunnelState.safeParse({ status: 'disconnected', profileId: null, blocked: {} }).success,
    false,
  );
  assert.equal(
    TunnelState.safeParse({
      status: 'disconnected',
      profileId: null,
      blocked: { reason: 'x'.repeat(501) },
    }).success,
    false,
  );
});
