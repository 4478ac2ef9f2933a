// test-platform: linux-only: the native data path links Debian's libsodium; Windows builds have none
// The native data path's transport crypto (native/src/fastpath/wg_transport.cc, libsodium)
// and replay window (replay_window.h), checked through the addon's test hooks against the
// references: @noble/ciphers' ChaCha20-Poly1305 for every length 0..MTU with random keys
// and counters, forged messages rejected, and replay.ts's window on long random sequences.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { loadAddon } from '../../../app/native/addon.js';
import { paddedLength } from '../../../app/tunnel/wireguard/transport.js';
import {
  REJECT_AFTER_MESSAGES_HI,
  REJECT_AFTER_MESSAGES_LO,
} from '../../../app/tunnel/wireguard/constants.js';
import { ReplayFilter } from '../../../app/tunnel/wireguard/replay.js';

const addon = loadAddon();
const MTU = 1420;

// npm test rebuilds the addon with libsodium when its headers are present
// (test/setup/addon.mjs), so on Linux a missing hook is a failure, not a skip.
function hooks() {
  const { fastPathSeal, fastPathOpen, fastPathReplay } = addon;
  assert.ok(fastPathSeal && fastPathOpen && fastPathReplay, 'the addon has the native data path');
  return { seal: fastPathSeal, open: fastPathOpen, replay: fastPathReplay };
}

/** The transport message whitepaper §5.4.6 defines, built with @noble. */
function referenceMessage(
  key: Uint8Array,
  receiver: number,
  hi: number,
  lo: number,
  packet: Uint8Array,
  padded: number,
): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, lo, true);
  view.setUint32(8, hi, true);
  const plain = new Uint8Array(padded);
  plain.set(packet);
  const sealed = chacha20poly1305(key, nonce).encrypt(plain);
  const out = new Uint8Array(16 + sealed.length);
  const header = new DataView(out.buffer);
  header.setUint32(0, 4, true);
  header.setUint32(4, receiver, true);
  header.setUint32(8, lo, true);
  header.setUint32(12, hi, true);
  out.set(sealed, 16);
  return out;
}

/** A seeded float in [0, 1) (mulberry32), so a failing sequence can be replayed. */
function seededFloat(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomU32(): number {
  return randomBytes(4).readUInt32LE(0);
}

test('native seal equals @noble for every length 0..MTU, random keys and counters', () => {
  const { seal, open } = hooks();
  for (let length = 0; length <= MTU; length++) {
    const key = randomBytes(32);
    const receiver = randomU32();
    // Small, large and 2^32-straddling counters all occur.
    const hi = length % 3 === 0 ? 0 : randomU32();
    const lo = randomU32();
    const packet = randomBytes(length);
    const padded = paddedLength(length, MTU);
    const native = seal(key, receiver, hi, lo, packet, padded);
    const reference = referenceMessage(key, receiver, hi, lo, packet, padded);
    assert.deepEqual(new Uint8Array(native), reference, `length ${length}`);
    const opened = open(key, reference);
    assert.ok(opened, `opens length ${length}`);
    assert.deepEqual(new Uint8Array(opened).subarray(0, length), new Uint8Array(packet));
    assert.ok(
      new Uint8Array(opened).subarray(length).every((b) => b === 0),
      'zero padding',
    );
  }
});

test('native open rejects forged tags, flipped bits, wrong keys, counters and short input', () => {
  const { seal, open } = hooks();
  const key = randomBytes(32);
  for (let round = 0; round < 300; round++) {
    const length = round * 5;
    const padded = paddedLength(length, MTU);
    const message = new Uint8Array(seal(key, 7, 0, round, randomBytes(length), padded));
    assert.ok(open(key, message), 'the intact message opens');
    // Any single flipped bit after the type and receiver fields breaks authentication.
    const bit = 8 * 8 + (randomU32() % ((message.length - 8) * 8));
    const flipped = message.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(open(key, flipped), null, `flipped bit ${bit} of ${message.length} bytes`);
    const forged = message.slice();
    forged.set(randomBytes(16), forged.length - 16);
    assert.equal(open(key, forged), null, 'forged tag');
    assert.equal(open(randomBytes(32), message), null, 'another key');
  }
  assert.equal(open(key, new Uint8Array(31)), null, 'shorter than header + tag');
  assert.equal(open(key, new Uint8Array(32)), null, 'an all-zero keepalive-sized message');
  assert.throws(() => open(new Uint8Array(31), new Uint8Array(64)), /bad key/);
  assert.throws(() => seal(key, 1, 0, 0, new Uint8Array(20), 16), /bad key or padding/);
});

test('the native replay window judges like replay.ts on long random sequences', () => {
  const { replay } = hooks();
  for (let seed = 1; seed <= 20; seed++) {
    const random = seededFloat(seed);
    const n = 20_000;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    let newest = seed === 1 ? 0xffff_f000 : 0; // seed 1 crosses 2^32
    for (let i = 0; i < n; i++) {
      const r = random();
      let c: number;
      if (r < 0.55) c = newest + 1 + Math.floor(random() * 4);
      else if (r < 0.85) c = Math.max(0, newest - Math.floor(random() * 9000));
      else if (r < 0.97) c = Math.max(0, newest - Math.floor(random() * 300));
      else c = newest + Math.floor(random() * 20_000);
      newest = Math.max(newest, c);
      hi[i] = Math.floor(c / 2 ** 32);
      lo[i] = c >>> 0;
    }
    // Bit 0: Validate's verdict; bit 1: the pre-check (WouldAccept) just before it.
    const verdicts = replay(hi, lo);
    const reference = new ReplayFilter();
    for (let i = 0; i < n; i++) {
      const would = reference.wouldAccept(hi[i]!, lo[i]!) ? 2 : 0;
      const want = (reference.validate(hi[i]!, lo[i]!) ? 1 : 0) | would;
      assert.equal(verdicts[i], want, `seed ${seed}, step ${i}: ${hi[i]}:${lo[i]}`);
    }
  }
});

test('the native replay window refuses counters at the message limit', () => {
  const { replay } = hooks();
  const hi = Uint32Array.of(0, REJECT_AFTER_MESSAGES_HI, REJECT_AFTER_MESSAGES_HI, 0xffff_ffff);
  const lo = Uint32Array.of(5, REJECT_AFTER_MESSAGES_LO - 1, REJECT_AFTER_MESSAGES_LO, 0xffff_ffff);
  assert.deepEqual([...replay(hi, lo)], [3, 3, 0, 0]);
  assert.throws(() => replay(new Uint32Array(2), new Uint32Array(3)), /differ in length/);
});
