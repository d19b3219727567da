import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { crossEntropy } from './cross-entropy';

before(async () => {
  await tf.setBackend('cpu');
});

const Z = [
  [1, 2, 3],
  [0.5, -1, 0],
];
const Y = [2, 0];
// Pinned with PyTorch 1.13, float64: F.cross_entropy(z, [2, 0]) and z.grad.
const CE = 0.5058682848905544;
const CE_GRAD = [
  [0.04501528658519022, 0.12236423552739882, -0.1673795221125891],
  [-0.22672530636691018, 0.060975826154864424, 0.16574948021204575],
];

/** Float64 reference: mean_i (log Σ_c e^{z_ic} − z_{i,y_i}). */
const ceRef = (z: number[][], y: number[]) =>
  z.reduce((a, row, i) => a + Math.log(row.reduce((b, v) => b + Math.exp(v), 0)) - row[y[i]], 0) /
  z.length;

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

describe('crossEntropy', () => {
  it('matches the hand-computed value (float64 reference and PyTorch)', () => {
    close(ceRef(Z, Y), CE, 1e-15, 'reference');
    const v = tf.tidy(() => crossEntropy(tf.tensor2d(Z), tf.tensor1d(Y, 'int32')).dataSync()[0]);
    close(v, CE, 1e-6);
  });

  it('gradient = (softmax − onehot)/n, against PyTorch and central differences', () => {
    const g = tf.tidy(() => {
      const y = tf.tensor1d(Y, 'int32');
      return tf
        .grad((z) => crossEntropy(z as tf.Tensor2D, y))(tf.tensor2d(Z))
        .dataSync();
    });
    const eps = 1e-3;
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 3; c++) {
        const up = Z.map((r) => r.slice());
        const dn = Z.map((r) => r.slice());
        up[i][c] += eps;
        dn[i][c] -= eps;
        close(g[i * 3 + c], (ceRef(up, Y) - ceRef(dn, Y)) / (2 * eps), 1e-6, `fd[${i},${c}]`);
        close(g[i * 3 + c], CE_GRAD[i][c], 1e-6, `torch[${i},${c}]`);
      }
    }
  });

  it('is numerically stable for large logits', () => {
    const v = tf.tidy(
      () => crossEntropy(tf.tensor2d([[1000, 0, -1000]]), tf.tensor1d([1], 'int32')).dataSync()[0],
    );
    close(v, 1000, 1e-3);
  });

  it('rejects labels outside [0, classes) and mismatched batches', () => {
    tf.tidy(() => {
      const z = tf.tensor2d(Z);
      assert.throws(
        () => crossEntropy(z, tf.tensor1d([3, 0], 'int32')),
        /label 0 is 3, not a class id in \[0, 3\)/,
      );
      assert.throws(() => crossEntropy(z, tf.tensor1d([0], 'int32')), /does not match batch/);
    });
  });

  it('leaves no tensors behind inside tf.tidy', () => {
    const z = tf.tensor2d(Z);
    const y = tf.tensor1d(Y, 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      crossEntropy(z, y);
      tf.grad((a) => crossEntropy(a as tf.Tensor2D, y))(z);
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([z, y]);
  });
});
