import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from './data-error';
import { stratifiedSubset, subsetIndices } from './subset';

// 8 examples, classes by hand: class 0 at 0, 2, 4, 6; class 1 at 1, 3, 5, 7.
const set = { labels: Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1]), classes: 2 };

test('subsetIndices: no subset is every example in order', () => {
  assert.deepEqual(Array.from(subsetIndices(set, undefined)), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('subsetIndices: a count takes its share of each class; count = n is every example', () => {
  const four = subsetIndices(set, { count: 4, seed: 3 });
  assert.equal(four.length, 4);
  assert.equal(Array.from(four).filter((i) => i % 2 === 0).length, 2, 'two of class 0');
  assert.deepEqual(four, stratifiedSubset(set.labels, 2, { count: 4 }, 3));
  assert.deepEqual(Array.from(subsetIndices(set, { count: 8, seed: 3 })), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    Array.from(subsetIndices(set, { fraction: 1, seed: 9 })),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  // round(0.25 · 8) = 2: one per class.
  const two = subsetIndices(set, { fraction: 0.25, seed: 1 });
  assert.deepEqual(
    Array.from(two).map((i) => set.labels[i]),
    [0, 1],
  );
});

test('subsetIndices: a count above the set size, a bad fraction or both keys are errors, not "all"', () => {
  assert.throws(
    () => subsetIndices(set, { count: 9, seed: 0 }),
    (e) => e instanceof DataError && /count must be an integer in \[1, 8\], got 9/.test(e.message),
  );
  assert.throws(() => subsetIndices(set, { count: 0, seed: 0 }), DataError);
  assert.throws(() => subsetIndices(set, { fraction: 0, seed: 0 }), DataError);
  assert.throws(() => subsetIndices(set, { fraction: 1.5, seed: 0 }), DataError);
  assert.throws(
    () => subsetIndices(set, { fraction: 0.5, count: 4, seed: 0 }),
    /exactly one of fraction or count/,
  );
  assert.throws(() => subsetIndices(set, { seed: 0 }), /exactly one of fraction or count/);
});
