import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { batchNorm, BN_EPS, BN_MOMENTUM, BatchNormParams } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: [number, number, number, number] = [2, 3, 2, 3]; // N·H·W = 12 per channel

function makeBn(c: number, seed = 1): BatchNormParams {
  return {
    gamma: tf.variable(tf.randomUniform([c], 0.5, 1.5, 'float32', seed)),
    beta: tf.variable(tf.randomUniform([c], -0.5, 0.5, 'float32', seed + 1)),
    runningMean: tf.variable(tf.randomUniform([c], -1, 1, 'float32', seed + 2), false),
    runningVar: tf.variable(tf.randomUniform([c], 0.5, 2, 'float32', seed + 3), false),
  };
}

const disposeBn = (bn: BatchNormParams) =>
  tf.dispose([bn.gamma, bn.beta, bn.runningMean, bn.runningVar]);

/** Float64 per-channel batch statistics of an NHWC array: mean and biased variance. */
function channelStats(
  x: ArrayLike<number>,
  c: number,
): { mean: number[]; biasedVar: number[]; n: number } {
  const n = x.length / c;
  const mean = new Array<number>(c).fill(0);
  const biasedVar = new Array<number>(c).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / n;
  for (let i = 0; i < x.length; i++) biasedVar[i % c] += (x[i] - mean[i % c]) ** 2 / n;
  return { mean, biasedVar, n };
}

/** Float64 training-mode BN: (x − mean)/√(var + eps)·γ + β with the biased batch variance. */
function bnRef(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  c: number,
): number[] {
  const { mean, biasedVar } = channelStats(x, c);
  return Array.from(
    x,
    (v, i) =>
      ((v - mean[i % c]) / Math.sqrt(biasedVar[i % c] + BN_EPS)) * gamma[i % c] + beta[i % c],
  );
}

/** The same formula written with tf.moments, differentiated by tfjs' autodiff. */
function bnMoments(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPS))), gamma), beta);
}

function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

describe('batchNorm', () => {
  it('training mode: (x − mean)/√(var + eps)·γ + β with the biased batch variance', () => {
    const bn = makeBn(3);
    const x = tf.randomNormal(SHAPE, 2, 3, 'float32', 9) as tf.Tensor4D;
    const y = tf.tidy(() => batchNorm(x, bn, true, false));
    assertClose(
      y.dataSync(),
      bnRef(x.dataSync(), bn.gamma.dataSync(), bn.beta.dataSync(), 3),
      1e-5,
      'y',
    );
    tf.dispose([x, y]);
    disposeBn(bn);
  });

  it('batch of one pixel per channel: output is β (x̂ = 0), no NaN', () => {
    const bn = makeBn(4);
    const x = tf.randomNormal([1, 1, 1, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.tidy(() => batchNorm(x, bn, true, true));
    assertClose(y.dataSync(), bn.beta.dataSync(), 1e-6, 'y');
    // n − 1 = 0: the running variance must stay finite.
    assert.ok(Array.from(bn.runningVar.dataSync()).every(Number.isFinite));
    tf.dispose([x, y]);
    disposeBn(bn);
  });

  it('custom gradient w.r.t. x, γ, β equals autodiff of the tf.moments formula', () => {
    const bn = makeBn(3);
    const x = tf.randomNormal(SHAPE, 1, 2, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal(SHAPE, 0, 1, 'float32', 5); // a generic upstream gradient
    const ours = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(
          batchNorm(
            xx as tf.Tensor4D,
            { ...bn, gamma: g as tf.Variable, beta: b as tf.Variable },
            true,
            false,
          ),
          w,
        ),
      ),
    )([x, bn.gamma, bn.beta]);
    const auto = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(bnMoments(xx as tf.Tensor4D, g, b), w)),
    )([x, bn.gamma, bn.beta]);
    ['dx', 'dγ', 'dβ'].forEach((name, i) => {
      assert.deepEqual(ours[i].shape, auto[i].shape, name);
      assertClose(ours[i].dataSync(), auto[i].dataSync(), 1e-4, name);
    });
    // The x gradient is not trivially zero (Σ over a channel of dx is 0, so look at the values).
    assert.ok(tf.tidy(() => tf.max(tf.abs(ours[0])).dataSync()[0]) > 0.05);
    tf.dispose([x, w, ...ours, ...auto]);
    disposeBn(bn);
  });

  it('custom gradient matches central finite differences of a float64 reference', () => {
    const c = 2;
    const shape: [number, number, number, number] = [2, 2, 1, c];
    const bn = makeBn(c, 20);
    const x = tf.randomNormal(shape, 0, 1.5, 'float32', 21) as tf.Tensor4D;
    const w = Array.from({ length: 8 }, (_, i) => Math.sin(1.7 * i + 0.3));
    const xv = Array.from(x.dataSync());
    const gv = Array.from(bn.gamma.dataSync());
    const bv = Array.from(bn.beta.dataSync());
    const loss = (xs: number[], gs: number[], bs: number[]) =>
      bnRef(xs, gs, bs, c).reduce((s, v, i) => s + v * w[i], 0);
    const fd = (vals: number[], f: (v: number[]) => number) =>
      vals.map((_, i) => {
        const h = 1e-6;
        const up = vals.slice();
        const dn = vals.slice();
        up[i] += h;
        dn[i] -= h;
        return (f(up) - f(dn)) / (2 * h);
      });
    const wt = tf.tensor(w, shape);
    const [dx, dg, db] = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(
          batchNorm(
            xx as tf.Tensor4D,
            { ...bn, gamma: g as tf.Variable, beta: b as tf.Variable },
            true,
            false,
          ),
          wt,
        ),
      ),
    )([x, bn.gamma, bn.beta]);
    assertClose(
      dx.dataSync(),
      fd(xv, (v) => loss(v, gv, bv)),
      2e-4,
      'dx',
    );
    assertClose(
      dg.dataSync(),
      fd(gv, (v) => loss(xv, v, bv)),
      2e-4,
      'dγ',
    );
    assertClose(
      db.dataSync(),
      fd(bv, (v) => loss(xv, gv, v)),
      2e-4,
      'dβ',
    );
    tf.dispose([x, wt, dx, dg, db]);
    disposeBn(bn);
  });

  it('running stats move by momentum 0.1 towards the mean and the UNBIASED variance', () => {
    assert.equal(BN_MOMENTUM, 0.1);
    const bn = makeBn(3);
    const m0 = Array.from(bn.runningMean.dataSync());
    const v0 = Array.from(bn.runningVar.dataSync());
    const x = tf.randomNormal(SHAPE, 2, 3, 'float32', 9) as tf.Tensor4D;
    tf.dispose(tf.tidy(() => batchNorm(x, bn, true)));
    const { mean, biasedVar, n } = channelStats(x.dataSync(), 3);
    assertClose(
      bn.runningMean.dataSync(),
      m0.map((m, c) => 0.9 * m + 0.1 * mean[c]),
      1e-5,
      'running mean',
    );
    assertClose(
      bn.runningVar.dataSync(),
      v0.map((v, c) => 0.9 * v + (0.1 * biasedVar[c] * n) / (n - 1)),
      1e-4,
      'running var',
    );
    // A second call moves them again (the pending update is not lost after the first call).
    tf.dispose(tf.tidy(() => batchNorm(x, bn, true)));
    assertClose(
      bn.runningMean.dataSync(),
      m0.map((m, c) => 0.81 * m + 0.19 * mean[c]),
      1e-5,
      'running mean, 2 steps',
    );
    tf.dispose(x);
    disposeBn(bn);
  });

  it('running stats move once per forward also when the gradient is taken', () => {
    const bn = makeBn(3);
    const m0 = Array.from(bn.runningMean.dataSync());
    const x = tf.randomNormal(SHAPE, 2, 3, 'float32', 9) as tf.Tensor4D;
    const { grads, value } = tf.variableGrads(
      () => tf.sum(tf.square(batchNorm(x, bn, true))) as tf.Scalar,
      [bn.gamma, bn.beta],
    );
    const { mean } = channelStats(x.dataSync(), 3);
    assertClose(
      bn.runningMean.dataSync(),
      m0.map((m, c) => 0.9 * m + 0.1 * mean[c]),
      1e-5,
      'running mean',
    );
    tf.dispose([x, value, ...Object.values(grads)]);
    disposeBn(bn);
  });

  it('updateStats=false leaves the running stats unchanged; eval mode uses them', () => {
    const bn = makeBn(3);
    const m0 = Array.from(bn.runningMean.dataSync());
    const v0 = Array.from(bn.runningVar.dataSync());
    const x = tf.randomNormal(SHAPE, 2, 3, 'float32', 9) as tf.Tensor4D;
    tf.dispose(tf.tidy(() => batchNorm(x, bn, true, false)));
    assert.deepEqual(Array.from(bn.runningMean.dataSync()), m0);
    assert.deepEqual(Array.from(bn.runningVar.dataSync()), v0);
    // A following call with updateStats=true on another BN must not touch this one.
    const other = makeBn(3, 50);
    tf.dispose(tf.tidy(() => batchNorm(x, other, true, true)));
    assert.deepEqual(Array.from(bn.runningMean.dataSync()), m0);

    const y = tf.tidy(() => batchNorm(x, bn, false));
    const g = bn.gamma.dataSync();
    const b = bn.beta.dataSync();
    const want = Array.from(
      x.dataSync(),
      (v, i) => ((v - m0[i % 3]) / Math.sqrt(v0[i % 3] + BN_EPS)) * g[i % 3] + b[i % 3],
    );
    assertClose(y.dataSync(), want, 1e-5, 'eval y');
    assert.deepEqual(Array.from(bn.runningMean.dataSync()), m0, 'eval mode does not update');
    assert.deepEqual(Array.from(bn.runningVar.dataSync()), v0, 'eval mode does not update');
    tf.dispose([x, y]);
    disposeBn(bn);
    disposeBn(other);
  });
});
