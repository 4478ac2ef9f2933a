// The addon's text search primitives against plain JavaScript references: folding every
// byte value, and finding the lines that contain a pattern on random text whose lines and
// hits fall on every kind of boundary; bad arguments are refused, never read out of bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAddon } from '../../../app/native/addon.js';
import { seededRandom } from './log-fixture.js';

const addon = loadAddon();

test('foldAscii lowercases A-Z and nothing else, over every byte value and any range', () => {
  const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);
  const folded = all.slice();
  addon.foldAscii(folded, 5, folded.length - 7);
  for (let i = 0; i < all.length; i++) {
    const c = all[i]!;
    const inRange = i >= 5 && i < all.length - 7;
    const want = inRange && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    assert.equal(folded[i], want, `byte ${i} (${c})`);
  }
  assert.throws(() => addon.foldAscii(folded, 10, 5), RangeError);
  assert.throws(() => addon.foldAscii(folded, 0, folded.length + 1), RangeError);
  assert.throws(() => addon.foldAscii(folded, Number.NaN, 3), RangeError);
  assert.throws(
    () => addon.foldAscii(new Uint16Array(4) as unknown as Uint8Array, 0, 1),
    TypeError,
  );
});

/** Lines as text, their start offsets, and the lines containing `needle` (the reference). */
function sample(seed: number, lines: number) {
  const rand = seededRandom(seed);
  const alphabet = 'abcab xyz\r';
  const texts: string[] = [];
  for (let i = 0; i < lines; i++) {
    let t = '';
    const len = Math.floor(rand() * 12);
    for (let k = 0; k < len; k++) t += alphabet[Math.floor(rand() * alphabet.length)];
    texts.push(t);
  }
  const whole = texts.map((t) => `${t}\n`).join('');
  const starts = new Float64Array(lines + 1);
  let at = 0;
  texts.forEach((t, i) => {
    starts[i] = at;
    at += t.length + 1;
  });
  starts[lines] = at;
  return { texts, bytes: Buffer.from(whole, 'latin1'), starts };
}

test('findLines agrees with a per-line reference on random text, for any chunk of lines', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const { texts, bytes, starts } = sample(seed, 300);
    for (const needle of ['ab', 'abc', 'a', 'b x', 'cab', 'zz', 'a\n', 'yz\r']) {
      const rand = seededRandom(seed * 31 + needle.length);
      const first = Math.floor(rand() * 150);
      const end = first + Math.floor(rand() * 150);
      const base = starts[first]!;
      const chunk = bytes.subarray(base, starts[end]!);
      const out = new Int32Array(end - first);
      const n = addon.findLines(
        chunk,
        base,
        Buffer.from(needle, 'latin1'),
        starts,
        first,
        end,
        out,
      );
      // Bytes of a line include its terminator, as the index's chunks do.
      const want: number[] = [];
      for (let i = first; i < end; i++) if (`${texts[i]}\n`.includes(needle)) want.push(i);
      assert.deepEqual([...out.subarray(0, n)], want, `seed ${seed}, "${JSON.stringify(needle)}"`);
    }
  }
});

test('findLines refuses what does not fit instead of reading past it', () => {
  const { bytes, starts } = sample(7, 20);
  const p = Buffer.from('a');
  assert.throws(() => addon.findLines(bytes, 0, p, starts, 0, 20, new Int32Array(5)), RangeError);
  assert.throws(() => addon.findLines(bytes, 0, p, starts, 0, 99, new Int32Array(99)), RangeError);
  assert.throws(
    () => addon.findLines(bytes, 0, Buffer.alloc(0), starts, 0, 20, new Int32Array(20)),
    RangeError,
  );
  assert.throws(() => addon.findLines(bytes, 0, p, starts, 5, 2, new Int32Array(20)), RangeError);
  assert.throws(() => addon.findLines(bytes, -1, p, starts, 0, 20, new Int32Array(20)), TypeError);
});
