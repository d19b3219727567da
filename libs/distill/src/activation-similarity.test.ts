import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { activationAgreement, activationSimilarity } from './activation-similarity';
import { signOf } from './sign-of';

before(async () => {
  await tf.setBackend('cpu');
});

describe('activationSimilarity', () => {
  it('is the share of elements where [r > 0] == teacherOn (hand-computed 5/8)', () => {
    // r > 0:   1 0 0 1 | 0 1 0 0   (0 is off)
    // teacher: 1 1 0 0 | 0 1 1 0   agree: 1 0 1 0 | 1 1 0 1 → 5 of 8
    const r = tf.tensor4d([0.3, -2, 0, 5, -0.1, 1e-3, -4, -1], [2, 1, 2, 2]);
    const on = tf.tensor4d([1, 1, 0, 0, 0, 1, 1, 0], [2, 1, 2, 2]);
    assert.equal(activationSimilarity(r, on), 5 / 8);
    assert.equal(activationSimilarity(r, tf.cast(on, 'bool')), 5 / 8);
    // raw teacher pre-activations work the same (only the sign counts)
    const raw = tf.tensor4d([2, 0.5, -1, 0, -3, 9, 0.1, -0.2], [2, 1, 2, 2]);
    assert.equal(activationSimilarity(r, raw), 5 / 8);
    assert.equal(activationSimilarity(r, signOf(r)), 1);
    tf.dispose([r, on, raw]);
  });

  it('activationAgreement is the same value as a Scalar, and nothing leaks', () => {
    const r = tf.tensor2d([[1, -1, 1, -1]]);
    const on = tf.tensor2d([[1, 1, 1, 1]]);
    const before = tf.memory().numTensors;
    assert.equal(activationSimilarity(r, on), 0.5);
    tf.tidy(() => assert.equal(activationAgreement(r, on).dataSync()[0], 0.5));
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([r, on]);
  });

  it('rejects mismatched shapes and empty tensors', () => {
    tf.tidy(() => {
      assert.throws(() => activationSimilarity(tf.zeros([1, 2]), tf.zeros([2, 1])), /differs/);
      assert.throws(() => activationSimilarity(tf.zeros([0, 2]), tf.zeros([0, 2])), /empty/);
    });
  });
});
