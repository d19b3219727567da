import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abOptimizerResetAt, learningRate } from './schedule';

test('paper-epochs: lr /5 at epochs ⌈0.3E⌉+1, ⌈0.6E⌉+1, ⌈0.8E⌉+1 (1-based)', () => {
  // E = 25: boundaries at 1-based epochs 9, 16, 21 → 0-based 8, 15, 20.
  const lr = (e: number) => learningRate('paper-epochs', 0.1, e, 0, 10, 25);
  assert.equal(lr(7), 0.1);
  assert.ok(Math.abs(lr(8) - 0.02) < 1e-12);
  assert.ok(Math.abs(lr(14) - 0.02) < 1e-12);
  assert.ok(Math.abs(lr(15) - 0.004) < 1e-12);
  assert.ok(Math.abs(lr(20) - 0.0008) < 1e-12);
  assert.ok(Math.abs(lr(24) - 0.0008) < 1e-12);
  // A 1-epoch stage never decays.
  assert.equal(learningRate('paper-epochs', 0.1, 0, 5, 10, 1), 0.1);
});

test('per-step: lr /5 once 30 %, 60 %, 80 % of all steps are done', () => {
  // 2 epochs × 10 steps = 20 steps: decays at steps 6, 12, 16.
  const lr = (s: number) => learningRate('per-step', 0.1, Math.floor(s / 10), s % 10, 10, 2);
  assert.equal(lr(5), 0.1);
  assert.ok(Math.abs(lr(6) - 0.02) < 1e-12);
  assert.ok(Math.abs(lr(12) - 0.004) < 1e-12);
  assert.ok(Math.abs(lr(16) - 0.0008) < 1e-12);
  assert.equal(learningRate('constant', 0.1, 3, 3, 10, 4), 0.1);
});

test('AB optimizer reset at 0-based epoch ⌈0.75·E₁⌉ (the paper code), never at 0', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4].filter((e) => abOptimizerResetAt(e, 5)),
    [4],
  );
  assert.deepEqual(
    [0].filter((e) => abOptimizerResetAt(e, 1)),
    [],
  );
  assert.deepEqual(
    [0, 1, 2].filter((e) => abOptimizerResetAt(e, 3)),
    [],
  );
});
