import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MethodParamsError } from '../errors';
import { getMethod } from '../registry';
import { fitnetsLoss, FitnetsParams } from './fitnets';

before(async () => {
  await tf.setBackend('cpu');
});

const wave = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => Math.fround(1.5 * Math.sin(1.3 * i + seed)));
/** Float64 reference: Σ (r − t)² / (2n). */
const ref = (r: number[], t: number[], n: number) =>
  r.reduce((a, x, i) => a + (x - t[i]) ** 2, 0) / (2 * n);
const paramsError = (key: string, re: RegExp) => (e: unknown) =>
  e instanceof MethodParamsError && e.key === key && re.test(e.message);

describe('fitnetsLoss', () => {
  it('matches the hand-computed ½‖r − t‖² / n: (1 + 0 + 4 + 1) / (2·2) = 1.5', () => {
    const v = tf.tidy(
      () =>
        fitnetsLoss(
          tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2]),
          tf.tensor4d([0, 2, 1, 5], [2, 1, 1, 2]),
        ).dataSync()[0],
    );
    assert.equal(v, 1.5);
  });

  it('gradient = (r − t)/n, matches central differences; no gradient to the teacher', () => {
    const shape: [number, number, number, number] = [2, 3, 2, 4];
    const r = wave(48, 0.2);
    const t = wave(48, 1.7);
    const [v, gr, gt] = tf.tidy(() => {
      const tt = tf.tensor4d(t, shape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        fitnetsLoss(a as tf.Tensor4D, b as tf.Tensor4D),
      );
      const [da, db] = g([tf.tensor4d(r, shape), tt]);
      return [fitnetsLoss(tf.tensor4d(r, shape), tt).dataSync()[0], da.dataSync(), db.dataSync()];
    });
    assert.ok(Math.abs(v - ref(r, t, 2)) < 1e-5 * ref(r, t, 2));
    const eps = 1e-4;
    r.forEach((_, i) => {
      const up = r.slice();
      up[i] += eps;
      const dn = r.slice();
      dn[i] -= eps;
      const fd = (ref(up, t, 2) - ref(dn, t, 2)) / (2 * eps);
      assert.ok(Math.abs(gr[i] - fd) < 1e-5, `[${i}] ${gr[i]} vs ${fd}`);
      assert.ok(Math.abs(gr[i] - (r[i] - t[i]) / 2) < 1e-6);
    });
    assert.ok(Array.from(gt).every((x) => x === 0));
  });

  it('rejects shape mismatches', () => {
    assert.throws(() => fitnetsLoss(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2, 4])), /same shape/);
  });
});

describe('fitnets method', () => {
  it('is registered as an init method on teacher features with the FitNets defaults', () => {
    const m = getMethod('fitnets');
    assert.equal(m.kind, 'init');
    assert.equal(m.teacherSignal, 'features');
    const want: FitnetsParams = { studentTap: 2, teacherTap: 2, regressorKernel: 1, weight: 1 };
    assert.deepEqual(m.defaultParams(), want);
    assert.deepEqual(m.validate({ regressorKernel: 3 }), { ...want, regressorKernel: 3 });
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    const m = getMethod('fitnets');
    assert.throws(() => m.validate({ hint: 2 }), paramsError('hint', /unknown parameter 'hint'/));
    assert.throws(() => m.validate({ studentTap: 'x' }), paramsError('studentTap', /integer/));
    assert.throws(() => m.validate({ teacherTap: 0 }), paramsError('teacherTap', /≥ 1/));
    assert.throws(() => m.validate({ regressorKernel: 2 }), paramsError('regressorKernel', /odd/));
    assert.throws(() => m.validate({ weight: -1 }), paramsError('weight', /≥ 0/));
  });

  it('its loss is weight · fitnetsLoss on one tap', () => {
    const m = getMethod('fitnets');
    if (m.kind !== 'init') return assert.fail('fitnets is an init method');
    const v = tf.tidy(
      () =>
        m
          .loss(
            [tf.tensor4d([1, 2, 3, 4], [2, 1, 1, 2])],
            [tf.tensor4d([0, 2, 1, 5], [2, 1, 1, 2])],
            m.validate({ weight: 2 }),
          )
          .dataSync()[0],
    );
    assert.equal(v, 3);
    assert.throws(() => m.loss([], [], m.defaultParams()), /one regressor output/);
  });
});
