import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchIndices, epochOrder } from './epoch-order';
import { hashKey } from './rng';

test('epochOrder is a seeded permutation', () => {
  for (const n of [0, 1, 2, 17, 1000]) {
    const o = epochOrder(n, 7, 3);
    assert.deepEqual(
      Array.from(o).sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
  }
  const a = epochOrder(1000, 7, 3);
  assert.deepEqual(epochOrder(1000, 7, 3), a);
  assert.notDeepEqual(epochOrder(1000, 7, 4), a, 'another epoch');
  assert.notDeepEqual(epochOrder(1000, 8, 3), a, 'another seed');
  assert.notDeepEqual(
    a,
    Int32Array.from({ length: 1000 }, (_, i) => i),
    'shuffled',
  );
});

test('hashKey separates large seeds from their low 32 bits', () => {
  assert.notEqual(hashKey(1, 2 ** 32 + 5), hashKey(1, 5));
  assert.notEqual(hashKey(1, 2), hashKey(2, 1));
});

test('batchIndices: consecutive chunks, last may be smaller', () => {
  const order = Int32Array.of(6, 0, 5, 1, 4, 2, 3);
  const b = batchIndices(order, 3);
  assert.deepEqual(
    b.map((x) => Array.from(x)),
    [[6, 0, 5], [1, 4, 2], [3]],
  );
  assert.deepEqual(batchIndices(order, 7).length, 1);
  assert.deepEqual(batchIndices(new Int32Array(0), 4), []);
  assert.throws(() => batchIndices(order, 0), /positive integer/);
});
