// Keypair slots rotate exactly as wireguard-go's BeginSymmetricSession / ReceivedWithKeypair:
// the initiator's new keypair is current at once, the responder's waits as "next" until the
// first message on it; whatever leaves the slots is handed back to be unindexed and zeroed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Keypair, KeypairSlots } from '../../../app/tunnel/wireguard/keypair.js';

let nextIndex = 1;
function keypair(isInitiator: boolean): Keypair {
  const index = nextIndex++;
  return new Keypair(
    {
      sendKey: new Uint8Array(32).fill(index),
      receiveKey: new Uint8Array(32).fill(index + 100),
      isInitiator,
      localIndex: index,
      remoteIndex: index + 1000,
    },
    0,
  );
}

const slots = (s: KeypairSlots) => [s.previous, s.current, s.next];

test('initiator: the new keypair becomes current, the old current previous', () => {
  const s = new KeypairSlots();
  const k1 = keypair(true);
  const retired: Keypair[] = [];
  s.install(k1, retired);
  assert.deepEqual(slots(s), [null, k1, null]);
  const k2 = keypair(true);
  s.install(k2, retired);
  assert.deepEqual(slots(s), [k1, k2, null]);
  const k3 = keypair(true);
  s.install(k3, retired);
  assert.deepEqual(slots(s), [k2, k3, null]);
  assert.deepEqual(retired, [k1], 'only the one pushed out of previous');
});

test('responder: the new keypair waits in next; previous is dropped; current keeps sending', () => {
  const s = new KeypairSlots();
  const retired: Keypair[] = [];
  const k1 = keypair(true);
  const k2 = keypair(true);
  s.install(k1, retired);
  s.install(k2, retired); // previous k1, current k2
  const r1 = keypair(false);
  s.install(r1, retired);
  assert.deepEqual(slots(s), [null, k2, r1]);
  assert.deepEqual(retired, [k1]);
  // A second response before confirmation replaces the unconfirmed one.
  const r2 = keypair(false);
  s.install(r2, retired);
  assert.deepEqual(slots(s), [null, k2, r2]);
  assert.deepEqual(retired, [k1, r1]);
});

test('confirmation: a message on next promotes it; messages on other keypairs change nothing', () => {
  const s = new KeypairSlots();
  const retired: Keypair[] = [];
  const k1 = keypair(true);
  s.install(k1, retired);
  const r1 = keypair(false);
  s.install(r1, retired);
  assert.equal(s.confirm(k1, retired), false, 'current is not next');
  assert.deepEqual(slots(s), [null, k1, r1]);
  assert.equal(s.confirm(r1, retired), true);
  assert.deepEqual(slots(s), [k1, r1, null]);
  assert.equal(s.confirm(r1, retired), false, 'only once');
  // And the next confirmation retires the previous.
  const r2 = keypair(false);
  s.install(r2, retired);
  assert.deepEqual(slots(s), [null, r1, r2]);
  assert.deepEqual(retired, [k1], 'installing a responder keypair drops previous');
  assert.equal(s.confirm(r2, retired), true);
  assert.deepEqual(slots(s), [r1, r2, null]);
});

test('initiator while a responder keypair is unconfirmed: next becomes previous, current goes', () => {
  const s = new KeypairSlots();
  const retired: Keypair[] = [];
  const k1 = keypair(true);
  const k2 = keypair(true);
  s.install(k1, retired);
  s.install(k2, retired);
  const r1 = keypair(false);
  s.install(r1, retired); // [null, k2, r1], k1 retired
  const k3 = keypair(true);
  s.install(k3, retired);
  assert.deepEqual(slots(s), [r1, k3, null]);
  assert.deepEqual(retired, [k1, k2]);
});

test('clear hands back every keypair; zero() erases keys and marks the keypair dead', () => {
  const s = new KeypairSlots();
  const retired: Keypair[] = [];
  const [k1, k2, r1] = [keypair(true), keypair(true), keypair(false)];
  s.install(k1, retired);
  s.install(k2, retired);
  s.install(r1, retired);
  retired.length = 0;
  s.clear(retired);
  assert.deepEqual(slots(s), [null, null, null]);
  assert.deepEqual(new Set(retired), new Set([k2, r1]));
  for (const k of retired) {
    k.zero();
    assert.ok(k.zeroed);
    assert.deepEqual(k.sendKey, new Uint8Array(32));
    assert.deepEqual(k.receiveKey, new Uint8Array(32));
  }
});

test('send counters: 64-bit, carried across the 32-bit halves; rekey and reject limits', () => {
  const k = keypair(true);
  k.sendCounterLo = 0xffffffff;
  k.advanceSendCounter();
  assert.deepEqual([k.sendCounterHi, k.sendCounterLo], [1, 0]);
  k.sendCounterHi = 0x10000000; // 2^60 exactly: not yet past
  k.sendCounterLo = 0;
  assert.equal(k.sendPastRekeyLimit(), false);
  k.advanceSendCounter();
  assert.equal(k.sendPastRekeyLimit(), true);
  k.sendCounterHi = 0xffffffff;
  k.sendCounterLo = 0xffffdffe; // REJECT_AFTER_MESSAGES - 1
  assert.equal(k.sendExhausted(), false);
  k.advanceSendCounter();
  assert.equal(k.sendExhausted(), true);
});
