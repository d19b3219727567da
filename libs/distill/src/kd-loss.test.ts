import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { kdLoss } from './kd-loss';

before(async () => {
  await tf.setBackend('cpu');
});

const S = [
  [1, 2, 3],
  [0.5, -1, 0],
];
const T = [
  [3, 1, 0.2],
  [0, 0, 1],
];
// Pinned with PyTorch 1.13, float64:
// F.kl_div(F.log_softmax(s/3, 1), F.softmax(t/3, 1), reduction='batchmean') and its s.grad.
const KL = 0.12580368735298775;
const KL_GRAD = [
  [-0.04904012269289054, 0.008674326746877514, 0.04036579594601305],
  [0.018860723519977526, -0.007873027924915593, -0.010987695595061941],
];
// 0.7 · 9 · KL + 0.3 · F.cross_entropy(s, [2, 0])
const MIX = 0.9443237157909892;

/** Float64 reference: Σ_i Σ_c p_t (log p_t − log p_s) / n, p = softmax(z/T). */
function kdRef(s: number[][], t: number[][], temp: number): number {
  const logSoftmax = (z: number[]) => {
    const m = Math.max(...z.map((v) => v / temp));
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v / temp - m), 0));
    return z.map((v) => v / temp - lse);
  };
  let sum = 0;
  s.forEach((row, i) => {
    const ls = logSoftmax(row);
    const lt = logSoftmax(t[i]);
    lt.forEach((l, c) => (sum += Math.exp(l) * (l - ls[c])));
  });
  return sum / s.length;
}

const close = (a: number, b: number, tol: number, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

describe('kdLoss', () => {
  it('hand-computed 2×3 example matches the float64 reference and PyTorch', () => {
    close(kdRef(S, T, 3), KL, 1e-15, 'reference');
    const v = tf.tidy(
      () =>
        kdLoss(tf.tensor2d(S), tf.tensor2d(T), { temperature: 3, t2Factor: false }).dataSync()[0],
    );
    close(v, KL, 1e-6);
  });

  it('multiplies by T² when t2Factor is set', () => {
    const v = tf.tidy(
      () =>
        kdLoss(tf.tensor2d(S), tf.tensor2d(T), { temperature: 3, t2Factor: true }).dataSync()[0],
    );
    close(v, 9 * KL, 1e-5);
  });

  it('is zero when the student equals the teacher, for any T', () => {
    for (const temperature of [1, 3, 20]) {
      const v = tf.tidy(
        () =>
          kdLoss(tf.tensor2d(T), tf.tensor2d(T), { temperature, t2Factor: false }).dataSync()[0],
      );
      close(v, 0, 1e-7, `T=${temperature}`);
    }
  });

  for (const t2Factor of [false, true]) {
    it(`gradient matches PyTorch and central differences (t2Factor ${t2Factor})`, () => {
      const k = t2Factor ? 9 : 1;
      const g = tf.tidy(() => {
        const t = tf.tensor2d(T);
        return tf
          .grad((s) => kdLoss(s as tf.Tensor2D, t, { temperature: 3, t2Factor }))(tf.tensor2d(S))
          .dataSync();
      });
      const eps = 1e-3;
      for (let i = 0; i < 2; i++) {
        for (let c = 0; c < 3; c++) {
          const up = S.map((r) => r.slice());
          const dn = S.map((r) => r.slice());
          up[i][c] += eps;
          dn[i][c] -= eps;
          const fd = (k * (kdRef(up, T, 3) - kdRef(dn, T, 3))) / (2 * eps);
          close(g[i * 3 + c], fd, 1e-6 * k, `fd[${i},${c}]`);
          close(g[i * 3 + c], k * KL_GRAD[i][c], 1e-6 * k, `torch[${i},${c}]`);
        }
      }
    });
  }

  it('sends no gradient to the teacher logits', () => {
    const g = tf.tidy(() =>
      tf
        .grads((s, t) =>
          kdLoss(s as tf.Tensor2D, t as tf.Tensor2D, { temperature: 3, t2Factor: false }),
        )([tf.tensor2d(S), tf.tensor2d(T)])[1]
        .dataSync(),
    );
    assert.deepEqual(Array.from(g), [0, 0, 0, 0, 0, 0]);
  });

  it('mixes (1−α)·KD + α·CE with labels', () => {
    const v = tf.tidy(
      () =>
        kdLoss(tf.tensor2d(S), tf.tensor2d(T), {
          temperature: 3,
          t2Factor: true,
          alpha: 0.3,
          labels: tf.tensor1d([2, 0], 'int32'),
        }).dataSync()[0],
    );
    close(v, MIX, 1e-5);
  });

  it('rejects bad options and shapes', () => {
    tf.tidy(() => {
      const s = tf.tensor2d(S);
      const t = tf.tensor2d(T);
      assert.throws(() => kdLoss(s, t, { temperature: 0, t2Factor: false }), /temperature must be/);
      assert.throws(
        () => kdLoss(s, t, { temperature: 3, t2Factor: false, alpha: 0.5 }),
        /needs labels/,
      );
      assert.throws(
        () => kdLoss(s, t, { temperature: 3, t2Factor: false, alpha: 2 }),
        /alpha must lie/,
      );
      assert.throws(
        () => kdLoss(s, tf.zeros([2, 4]) as tf.Tensor2D, { temperature: 3, t2Factor: false }),
        /same \[n, classes\]/,
      );
    });
  });

  it('leaves no tensors behind inside tf.tidy', () => {
    const s = tf.tensor2d(S);
    const t = tf.tensor2d(T);
    const y = tf.tensor1d([2, 0], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      kdLoss(s, t, { temperature: 3, t2Factor: true, alpha: 0.5, labels: y });
      tf.grads((a, b) =>
        kdLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: 3, t2Factor: false }),
      )([s, t]);
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([s, t, y]);
  });
});
