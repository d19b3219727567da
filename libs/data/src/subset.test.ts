import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataError } from './data-error';
import { stratifiedSubset } from './subset';

const balanced = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) % 10); // 60 per class
const perClass = (labels: Uint8Array, idx: Int32Array, classes: number): number[] => {
  const c = new Array<number>(classes).fill(0);
  for (const i of idx) c[labels[i]]++;
  return c;
};

test('same share of every class, sorted, distinct', () => {
  const idx = stratifiedSubset(balanced, 10, { fraction: 0.1 }, 1);
  assert.deepEqual(perClass(balanced, idx, 10), new Array(10).fill(6));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'sorted and distinct');
  assert.deepEqual(
    perClass(balanced, stratifiedSubset(balanced, 10, { count: 120 }, 1), 10),
    new Array(10).fill(12),
  );
});

test('unbalanced classes: largest-remainder quotas, at least one per class', () => {
  const counts = [100, 50, 20, 3];
  const labels = Uint8Array.from(counts.flatMap((k, c) => new Array<number>(k).fill(c)));
  // total round(0.1·173) = 17; quotas 9.83, 4.91, 1.97, 0.29 → 9,4,1,0 + remainders to c2, c1, c0; then c3 ≥ 1.
  assert.deepEqual(
    perClass(labels, stratifiedSubset(labels, 4, { fraction: 0.1 }, 3), 4),
    [10, 5, 2, 1],
  );
  assert.deepEqual(perClass(labels, stratifiedSubset(labels, 4, { fraction: 1 }, 3), 4), counts);
});

test('tiny fraction still keeps one example per class', () => {
  const idx = stratifiedSubset(balanced, 10, { fraction: 0.001 }, 5);
  assert.deepEqual(perClass(balanced, idx, 10), new Array(10).fill(1));
});

test('deterministic per seed, different across seeds, nested across sizes', () => {
  const a = stratifiedSubset(balanced, 10, { fraction: 0.1 }, 42);
  assert.deepEqual(stratifiedSubset(balanced, 10, { fraction: 0.1 }, 42), a);
  assert.notDeepEqual(stratifiedSubset(balanced, 10, { fraction: 0.1 }, 43), a);
  const big = new Set(stratifiedSubset(balanced, 10, { fraction: 0.5 }, 42));
  for (const i of a) assert.ok(big.has(i), `index ${i} of the 10 % subset is in the 50 % subset`);
});

test('bad specs are DataErrors', () => {
  assert.throws(() => stratifiedSubset(balanced, 10, { fraction: 0 }, 1), DataError);
  assert.throws(() => stratifiedSubset(balanced, 10, { fraction: 1.5 }, 1), DataError);
  assert.throws(() => stratifiedSubset(balanced, 10, { count: 601 }, 1), DataError);
  assert.throws(() => stratifiedSubset(balanced, 10, {}, 1), /exactly one of fraction or count/);
  assert.throws(() => stratifiedSubset(balanced, 5, { count: 10 }, 1), /label 7 at 1 ≥ 5 classes/);
});

test('a class with no examples is an error naming it, not a silently skewed subset', () => {
  const labels = Uint8Array.from({ length: 40 }, (_, i) => [0, 1, 3][i % 3]); // class 2 absent
  assert.throws(
    () => stratifiedSubset(labels, 4, { fraction: 0.5 }, 1),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /class 2 of 4 has no examples/);
      return true;
    },
  );
  assert.throws(
    () => stratifiedSubset(labels, 6, { count: 10 }, 1),
    /classes 2, 4, 5 of 6 have no examples/,
  );
  const present = Uint8Array.from(labels, (l) => (l === 3 ? 2 : l));
  assert.deepEqual(perClass(present, stratifiedSubset(present, 3, { count: 6 }, 1), 3), [2, 2, 2]);
});
