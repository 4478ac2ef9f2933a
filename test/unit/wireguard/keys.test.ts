// test-platform: linux-only: checks keys against `wg pubkey` from wireguard-tools
// Keys as configuration carries them: the base64 form `wg` uses (strict and canonical),
// public-from-private checked against `wg pubkey` from wireguard-tools, and generation.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, test } from 'node:test';
import {
  decodeKey,
  encodeKey,
  generatePrivateKey,
  publicKeyFromPrivate,
} from '../../../app/tunnel/wireguard/keys.js';
import { requireCommands } from '../../harness/system-packages.js';
import { seededRandom } from './harness.js';

/** `wg` from wireguard-tools, installed by test/setup/install.mjs. */
function ensureWg(): void {
  requireCommands('wg');
}

const wg = (args: string[], input?: string) =>
  execFileSync('wg', args, input === undefined ? {} : { input })
    .toString()
    .trim();

before(ensureWg);

test('publicKeyFromPrivate matches `wg pubkey`, for clamped and unclamped private keys', () => {
  const random = seededRandom(2024);
  const privates = [
    generatePrivateKey(random),
    generatePrivateKey(random),
    random(32), // not clamped: both clamp before multiplying
    new Uint8Array(32).fill(0xff),
    new Uint8Array(32),
  ];
  for (const priv of privates) {
    const theirs = wg(['pubkey'], `${encodeKey(priv)}\n`);
    assert.equal(encodeKey(publicKeyFromPrivate(priv)), theirs);
  }
});

test('keys made by `wg genkey` and `wg genpsk` decode, and derive the public key wg derives', () => {
  for (let i = 0; i < 3; i++) {
    const priv = wg(['genkey']);
    const bytes = decodeKey(priv);
    assert.equal(bytes.length, 32);
    assert.equal(encodeKey(bytes), priv, 'round trip');
    assert.equal(encodeKey(publicKeyFromPrivate(bytes)), wg(['pubkey'], `${priv}\n`));
  }
  assert.equal(decodeKey(wg(['genpsk'])).length, 32);
});

test('generatePrivateKey: 32 clamped bytes, fresh each time, reproducible with an injected source', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const k = generatePrivateKey();
    assert.equal(k.length, 32);
    assert.equal(k[0]! & 7, 0, 'low three bits clear');
    assert.equal(k[31]! & 0x80, 0, 'top bit clear');
    assert.equal(k[31]! & 0x40, 0x40, 'second-highest bit set');
    seen.add(encodeKey(k));
  }
  assert.equal(seen.size, 20);
  assert.deepEqual(generatePrivateKey(seededRandom(5)), generatePrivateKey(seededRandom(5)));
  // The injected source's buffer is not clamped in place behind the caller's back.
  const raw = new Uint8Array(32).fill(0xff);
  generatePrivateKey(() => raw);
  assert.deepEqual(raw, new Uint8Array(32).fill(0xff));
  assert.throws(() => generatePrivateKey(() => new Uint8Array(16)), /wrong length/);
});

test('decodeKey accepts exactly 44 characters of canonical standard base64', () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 8 + 1);
  const text = encodeKey(bytes);
  assert.equal(text.length, 44);
  assert.ok(text.endsWith('='));
  assert.deepEqual(decodeKey(text), bytes);
  // encodeKey honours views into larger buffers.
  const big = new Uint8Array(40);
  big.set(bytes, 5);
  assert.equal(encodeKey(big.subarray(5, 37)), text);
});

test('decodeKey refuses everything else, with a short message that never echoes the input', () => {
  const good = encodeKey(Uint8Array.from({ length: 32 }, (_, i) => 255 - i * 3));
  const lastData = good[42]!;
  // Re-encode the last character with a low bit set: valid alphabet, non-zero padding bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const nonCanonical = `${good.slice(0, 42)}${alphabet[alphabet.indexOf(lastData) | 1]}=`;
  const bad: [string, string][] = [
    ['', 'empty'],
    [good.slice(0, 43), 'missing the pad'],
    [`${good}A`, 'too long'],
    [`${good.slice(0, 43)}A`, 'no pad character'],
    [`${good.slice(0, 42)}==`, '31 bytes'],
    [` ${good.slice(1)}`, 'leading space'],
    [`${good.slice(0, 43)}\n`, 'newline'],
    [`${good.slice(0, 10)}-${good.slice(11)}`, 'URL-safe alphabet'],
    [`${good.slice(0, 10)}_${good.slice(11)}`, 'URL-safe alphabet'],
    [`${good.slice(0, 10)}!${good.slice(11)}`, 'not base64'],
    [nonCanonical, 'non-zero padding bits'],
    [good.replace(/./g, 'é').slice(0, 44), 'non-ASCII'],
  ];
  for (const [input, why] of bad) {
    assert.throws(
      () => decodeKey(input),
      (e: unknown) => {
        assert.ok(e instanceof Error, why);
        assert.ok(e.message.length < 80, `${why}: short message`);
        // No run of 6 characters of the input appears in the message.
        for (let i = 0; i + 6 <= input.length; i++) {
          assert.ok(!e.message.includes(input.slice(i, i + 6)), `${why}: input echoed`);
        }
        return true;
      },
      why,
    );
  }
  assert.throws(() => decodeKey(42 as unknown as string), /must be a string/);
});

test('encodeKey and publicKeyFromPrivate refuse anything but 32 bytes', () => {
  for (const n of [0, 31, 33, 64]) {
    assert.throws(() => encodeKey(new Uint8Array(n)), /32 bytes/);
    assert.throws(() => publicKeyFromPrivate(new Uint8Array(n)), /32 bytes/);
  }
  assert.throws(() => encodeKey('x' as unknown as Uint8Array), /32 bytes/);
});
