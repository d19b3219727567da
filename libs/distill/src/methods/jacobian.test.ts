import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { centralDifference } from '@abd/tensor/testing';
import { MethodParamsError } from '../errors';
import { getMethod } from '../registry';
import {
  inputGradient,
  jacobianClasses,
  jacobianDirection,
  jacobianFdTerm,
  jacobianLoss,
  JacobianParams,
} from './jacobian';

before(async () => {
  await tf.setBackend('cpu');
});

const wave = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => 1.5 * Math.sin(1.3 * i + seed));
// Pinned with PyTorch (float64): 0.7 · ‖normalize(gs) − normalize(gt)‖² / 2, gs = wave(18, 0.5),
// gt = wave(18, 1.1), shape [2, 3, 3, 1].
const JAC = 0.24203705614355026;
const JAC_GRAD_FIRST6 = [
  -0.046373031076332304, 0.016737635344198462, 0.05532762677336946, 0.012862515360710928,
  -0.04844621118905762, -0.038781124849455485,
];
/** Float64 reference: λ Σ_i ‖ĝs_i − ĝt_i‖² / n over rows of length d. */
function jacRef(gs: number[], gt: number[], n: number, lambda: number): number {
  const d = gs.length / n;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const a = gs.slice(i * d, (i + 1) * d);
    const b = gt.slice(i * d, (i + 1) * d);
    const na = Math.hypot(...a);
    const nb = Math.hypot(...b);
    a.forEach((x, k) => (acc += (x / na - b[k] / nb) ** 2));
  }
  return (lambda * acc) / n;
}

describe('jacobianLoss', () => {
  it('hand-computed: gs = [3, 4] → [0.6, 0.8], gt = [0, 2] → [0, 1] ⇒ λ(0.36 + 0.04)', () => {
    const v = tf.tidy(
      () => jacobianLoss(tf.tensor2d([[3, 4]]), tf.tensor2d([[0, 2]]), 2).dataSync()[0],
    );
    assert.ok(Math.abs(v - 0.8) < 1e-6, `${v}`);
  });

  it('matches PyTorch and central differences of a float64 reference; none to the teacher', () => {
    const gs = wave(18, 0.5);
    const gt = wave(18, 1.1);
    const [v, g, g2] = tf.tidy(() => {
      const [a, b] = tf.grads((x: tf.Tensor, y: tf.Tensor) => jacobianLoss(x, y, 0.7))([
        tf.tensor4d(gs, [2, 3, 3, 1]),
        tf.tensor4d(gt, [2, 3, 3, 1]),
      ]);
      const val = jacobianLoss(tf.tensor4d(gs, [2, 3, 3, 1]), tf.tensor4d(gt, [2, 3, 3, 1]), 0.7);
      return [val.dataSync()[0], a.dataSync(), b.dataSync()];
    });
    assert.ok(Math.abs(v - JAC) < 1e-5, `${v} vs ${JAC}`);
    JAC_GRAD_FIRST6.forEach((x, i) =>
      assert.ok(Math.abs(g[i] - x) < 1e-6, `[${i}] ${g[i]} vs ${x}`),
    );
    const eps = 1e-6;
    gs.forEach((_, i) => {
      const up = gs.slice();
      up[i] += eps;
      const dn = gs.slice();
      dn[i] -= eps;
      const fd = (jacRef(up, gt, 2, 0.7) - jacRef(dn, gt, 2, 0.7)) / (2 * eps);
      assert.ok(Math.abs(g[i] - fd) < 1e-5, `[${i}] ${g[i]} vs ${fd}`);
    });
    assert.ok(Array.from(g2).every((x) => x === 0));
  });
});

describe('inputGradient and jacobianClasses', () => {
  it('gives row i = ∇ₓ logit c_i (a linear model: column c_i of W)', () => {
    const w = tf.tensor2d(wave(12, 0.4), [4, 3]);
    const f = (x: tf.Tensor4D) => tf.matMul(tf.reshape(x, [x.shape[0], 4]), w) as tf.Tensor2D;
    const x = tf.tensor4d(wave(8, 2), [2, 2, 2, 1]);
    const classes = jacobianClasses(
      'teacher-top',
      tf.tensor2d([
        [0, 5, 1],
        [9, 0, 1],
      ]),
    );
    assert.deepEqual(Array.from(classes.dataSync()), [1, 0]);
    const g = tf.tidy(() => inputGradient(f, x, classes).dataSync());
    const wv = w.arraySync();
    assert.deepEqual(
      Array.from(g),
      [...wv.map((r) => r[1]), ...wv.map((r) => r[0])].map(Math.fround),
    );
    const byLabel = jacobianClasses('label', tf.tensor2d([[0, 5, 1]]), tf.tensor1d([2], 'int32'));
    assert.deepEqual(Array.from(byLabel.dataSync()), [2]);
    assert.throws(() => jacobianClasses('label', tf.tensor2d([[0, 5, 1]])), /needs the labels/);
  });
});

/** The objective J(θ) = λ·jacobianLoss(∇ₓ s_θ, gt) and its gradient three ways. */
function threeWays(
  f: (x: tf.Tensor4D) => tf.Tensor2D,
  w: tf.Variable,
  x: tf.Tensor4D,
  gt: tf.Tensor4D,
  cls: tf.Tensor1D,
) {
  const objective = () => jacobianLoss(inputGradient(f, x, cls), gt, 0.5);
  const second = tf.variableGrads(objective, [w]).grads[w.name].dataSync();
  const step1 = jacobianDirection(inputGradient(f, x, cls), gt, 0.5);
  const r = tf.variableGrads(() => jacobianFdTerm(f, x, cls, step1, 1e-3), [w]);
  assert.ok(
    Math.abs(r.value.dataSync()[0] - step1.loss.dataSync()[0]) < 1e-7,
    'the first-order term has the value J',
  );
  const first = r.grads[w.name].dataSync();
  const fd = Array.from({ length: w.size }, (_, i) => centralDifference(w, i, 1e-2, objective));
  return { second, first, fd };
}

const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) =>
  Array.from(a).every((x, i) => Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

describe('Jacobian term: gradient w.r.t. the weights', () => {
  const x = () => tf.tensor4d(wave(2 * 4 * 4, 0.3), [2, 4, 4, 1]);
  const gt = () => tf.tensor4d(wave(2 * 4 * 4, 1.6), [2, 4, 4, 1]);
  const cls = () => tf.tensor1d([1, 2], 'int32');

  it('double backprop and the first-order term both match finite differences (conv, eval BN, square)', () => {
    const w = tf.variable(
      tf.tensor4d(
        wave(9 * 3, 0.8).map((v) => v / 3),
        [3, 3, 1, 3],
      ),
    );
    const fc = tf.tensor2d(wave(9, 2.5), [3, 3]);
    const mean = tf.tensor1d([0.1, 0, -0.1]);
    const variance = tf.tensor1d([1.5, 0.7, 1]);
    const [beta, gamma] = [tf.tensor1d([0.1, -0.2, 0]), tf.tensor1d([1.2, 0.8, 1.1])];
    const f = (xx: tf.Tensor4D) => {
      const h = tf.batchNorm(
        tf.conv2d(xx, w as tf.Tensor4D, 1, 'same'),
        mean,
        variance,
        beta,
        gamma,
        1e-5,
      );
      return tf.matMul(tf.mean(tf.square(h), [1, 2]) as tf.Tensor2D, fc) as tf.Tensor2D;
    };
    const { second, first, fd } = threeWays(f, w, x(), gt(), cls());
    assert.ok(near(second, fd, 2e-3), `double backprop ${Array.from(second)} vs fd ${fd}`);
    assert.ok(near(first, fd, 5e-3), `first-order ${Array.from(first)} vs fd ${fd}`);
    w.dispose();
  });

  it('through a tf.customGrad op double backprop drops terms (tfjs 4.22); the first-order term does not', () => {
    // cube(x) = x³ with x² computed inside the custom op (as the WRN's train-mode BN saves x̂, 1/σ)
    const cube = tf.customGrad((...args) => {
      const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
      const t2 = tf.square(t);
      save([t2]);
      return { value: tf.mul(t2, t), gradFunc: (dy, [s2]) => tf.mul(dy, tf.mul(s2, 3)) };
    });
    const w = tf.variable(
      tf.tensor4d(
        wave(9 * 3, 0.8).map((v) => v / 3),
        [3, 3, 1, 3],
      ),
    );
    const fc = tf.tensor2d(wave(9, 2.5), [3, 3]);
    const f = (xx: tf.Tensor4D) =>
      tf.matMul(
        tf.mean(cube(tf.conv2d(xx, w as tf.Tensor4D, 1, 'same')), [1, 2]) as tf.Tensor2D,
        fc,
      ) as tf.Tensor2D;
    const { second, first, fd } = threeWays(f, w, x(), gt(), cls());
    assert.ok(near(first, fd, 5e-3), `first-order ${Array.from(first)} vs fd ${fd}`);
    assert.ok(
      !near(second, fd, 5e-2),
      'double backprop through tf.customGrad now matches: update the docs',
    );
    w.dispose();
  });
});

describe('jacobian method', () => {
  it('is registered as a joint method on teacher input-gradients', () => {
    const m = getMethod('jacobian');
    assert.equal(m.kind, 'joint');
    assert.equal(m.teacherSignal, 'input-gradients');
    const want: JacobianParams = {
      lambda: 1,
      output: 'teacher-top',
      mode: 'second-order',
      fdEps: 1e-3,
    };
    assert.deepEqual(m.defaultParams(), want);
    assert.deepEqual(m.validate({ output: 'label' }), { ...want, output: 'label' });
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    const m = getMethod('jacobian');
    const err = (key: string, re: RegExp) => (e: unknown) =>
      e instanceof MethodParamsError && e.key === key && re.test(e.message);
    assert.throws(() => m.validate({ beta: 1 }), err('beta', /unknown parameter 'beta'/));
    assert.throws(() => m.validate({ lambda: -1 }), err('lambda', /≥ 0/));
    assert.throws(() => m.validate({ output: 'top' }), err('output', /'teacher-top', 'label'/));
    assert.throws(
      () => m.validate({ mode: 'exact' }),
      err('mode', /'first-order', 'second-order'/),
    );
    assert.throws(() => m.validate({ fdEps: 0 }), err('fdEps', /> 0/));
  });

  it('its loss is λ · jacobianLoss on one gradient each', () => {
    const m = getMethod('jacobian');
    if (m.kind !== 'joint') return assert.fail('jacobian is a joint method');
    const v = tf.tidy(
      () =>
        m
          .loss([tf.tensor2d([[3, 4]])], [tf.tensor2d([[0, 2]])], m.validate({ lambda: 2 }))
          .dataSync()[0],
    );
    assert.ok(Math.abs(v - 0.8) < 1e-6);
    assert.throws(() => m.loss([], [], m.defaultParams()), /one student and one teacher gradient/);
  });
});
