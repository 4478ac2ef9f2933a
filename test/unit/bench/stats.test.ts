import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmt, median, ratio } from '../../bench/stats.js';
import { roundOrder } from '../../bench/tunnel/run.js';

test('median of odd and even counts, unsorted input untouched, missing figures skipped', () => {
  const v = [5, 1, 3];
  assert.equal(median(v), 3);
  assert.deepEqual(v, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([2, Number.NaN, 4]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([Number.NaN])));
});

test('ratio is NaN, never a number, when a side is missing or zero', () => {
  assert.equal(ratio(3, 2), 1.5);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(Number.NaN, 2)));
  assert.ok(Number.isNaN(ratio(2, Number.POSITIVE_INFINITY)));
  assert.equal(fmt(Number.NaN), 'n/a');
  assert.equal(fmt(1.005, 1), '1.0');
});

test('rounds alternate the order of the variants', () => {
  const v = ['a', 'b', 'c'];
  assert.deepEqual(roundOrder(v, 0), ['a', 'b', 'c']);
  assert.deepEqual(roundOrder(v, 1), ['c', 'b', 'a']);
  assert.deepEqual(roundOrder(v, 2), ['a', 'b', 'c']);
  assert.deepEqual(v, ['a', 'b', 'c']);
});
