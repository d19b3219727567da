import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subsetFromWire, subsetToWire } from './subset-wire';

test('subset wire form ↔ config form, both ways, and a size-less subset keeps only its seed', () => {
  assert.equal(subsetFromWire(undefined), undefined);
  assert.equal(subsetToWire(undefined), undefined);
  assert.deepEqual(subsetFromWire({ size: { $case: 'fraction', fraction: 0.25 }, seed: 3 }), {
    fraction: 0.25,
    seed: 3,
  });
  assert.deepEqual(subsetFromWire({ size: { $case: 'count', count: 40 }, seed: 0 }), {
    count: 40,
    seed: 0,
  });
  assert.deepEqual(subsetFromWire({ size: undefined, seed: 7 }), { seed: 7 });
  assert.deepEqual(subsetToWire({ fraction: 0.25, seed: 3 }), {
    size: { $case: 'fraction', fraction: 0.25 },
    seed: 3,
  });
  assert.deepEqual(subsetToWire({ count: 40, seed: 0 }), {
    size: { $case: 'count', count: 40 },
    seed: 0,
  });
  for (const s of [
    { fraction: 0.5, seed: 1 },
    { count: 9, seed: 2 },
  ])
    assert.deepEqual(subsetFromWire(subsetToWire(s)), s);
});
