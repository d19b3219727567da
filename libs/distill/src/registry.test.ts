import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DistillMethod } from './distill-method';
import { MethodParamsError, MethodRegistryError } from './errors';
import { AbParams } from './methods/ab';
import { KdParams } from './methods/kd';
import { getMethod, listMethods, registerMethod } from './registry';

before(async () => {
  await tf.setBackend('cpu');
});

const paramsError = (key: string, pattern: RegExp) => (e: unknown) =>
  e instanceof MethodParamsError && e.key === key && pattern.test(e.message);

describe('method registry', () => {
  it('registers ab and kd at import', () => {
    assert.deepEqual(
      listMethods().filter((m) => m === 'ab' || m === 'kd'),
      ['ab', 'kd'],
    );
    assert.equal(getMethod('ab').kind, 'init');
    assert.equal(getMethod('ab').teacherSignal, 'signs');
    assert.equal(getMethod('kd').kind, 'logits');
  });

  it('an unknown name is NOT_FOUND with the known names listed', () => {
    assert.throws(
      () => getMethod('fitnetz'),
      (e: unknown) =>
        e instanceof MethodRegistryError &&
        e.code === 'NOT_FOUND' &&
        /unknown distillation method 'fitnetz' \(known: ab, at, fitnets, fsp, jacobian, kd/.test(
          e.message,
        ),
    );
  });

  it('a duplicate name is ALREADY_EXISTS; a new one is listed', () => {
    assert.throws(
      () => registerMethod({ ...getMethod('kd') }),
      (e: unknown) =>
        e instanceof MethodRegistryError &&
        e.code === 'ALREADY_EXISTS' &&
        /'kd' is already registered/.test(e.message),
    );
    const dummy: DistillMethod<Record<string, never>> = {
      name: 'zz-dummy',
      kind: 'logits',
      teacherSignal: 'logits',
      description: 'test',
      defaultParams: () => ({}),
      validate: () => ({}),
      loss: () => tf.scalar(0),
    };
    registerMethod(dummy);
    assert.equal(getMethod('zz-dummy'), dummy);
    assert.ok(listMethods().includes('zz-dummy'));
  });
});

describe('ab method', () => {
  const ab = () => getMethod('ab');

  it('defaults: μ 1, the published weights, taps 1..3, teacher BN in eval mode', () => {
    const want: AbParams = {
      mu: 1,
      weights: [3 / 4000, 3 / 2000, 3 / 1000],
      taps: [1, 2, 3],
      teacherBnMode: 'eval',
    };
    assert.deepEqual(ab().defaultParams(), want);
    assert.deepEqual(ab().validate(undefined), want);
    assert.deepEqual(ab().validate({}), want);
  });

  it('fills in, overrides and derives weights from taps', () => {
    assert.deepEqual(ab().validate({ mu: 0.5, teacherBnMode: 'train' }), {
      mu: 0.5,
      weights: [3 / 4000, 3 / 2000, 3 / 1000],
      taps: [1, 2, 3],
      teacherBnMode: 'train',
    });
    assert.deepEqual(ab().validate({ taps: [2, 3] }).weights, [3 / 2000, 3 / 1000]);
    assert.deepEqual(ab().validate({ taps: [3], weights: [1] }).weights, [1]);
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    assert.throws(
      () => ab().validate({ mu: 1, margin: 2 }),
      paramsError(
        'margin',
        /method 'ab': unknown parameter 'margin' \(known: mu, weights, taps, teacherBnMode\)/,
      ),
    );
    assert.throws(
      () => ab().validate({ mu: '1' }),
      paramsError('mu', /'mu' must be a finite number ≥ 0, got "1"/),
    );
    assert.throws(() => ab().validate({ mu: -1 }), paramsError('mu', /'mu'/));
    assert.throws(
      () => ab().validate({ weights: [1, 'x', 1] }),
      paramsError('weights[1]', /'weights\[1\]'/),
    );
    assert.throws(
      () => ab().validate({ weights: [1, 1] }),
      paramsError('weights', /'weights' has 2 entries but 'taps' has 3/),
    );
    assert.throws(() => ab().validate({ taps: [2, 1] }), paramsError('taps', /strictly ascending/));
    assert.throws(() => ab().validate({ taps: [1.5] }), paramsError('taps[0]', /integer/));
    assert.throws(
      () => ab().validate({ teacherBnMode: 'batch' }),
      paramsError('teacherBnMode', /one of 'eval', 'train'/),
    );
    assert.throws(() => ab().validate([1]), /parameters must be an object/);
  });

  it('its loss is abTotalLoss with the params', () => {
    const m = getMethod('ab');
    assert.equal(m.kind, 'init');
    if (m.kind !== 'init') return;
    const v = tf.tidy(
      () =>
        m
          .loss(
            [tf.tensor4d([0.25, -1.5, 0.25, 2], [1, 1, 2, 2])],
            [tf.tensor4d([0, 0, 1, 1], [1, 1, 2, 2])],
            m.validate({ taps: [3], weights: [2] }),
          )
          .dataSync()[0],
    );
    assert.equal(v, 2 * 2.125);
  });
});

describe('kd method', () => {
  it('defaults are the paper code: T = 3, no T², no CE', () => {
    const want: KdParams = { temperature: 3, t2Factor: false, alpha: 0 };
    assert.deepEqual(getMethod('kd').defaultParams(), want);
    assert.deepEqual(getMethod('kd').validate({ t2Factor: true }), { ...want, t2Factor: true });
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    const kd = getMethod('kd');
    assert.throws(() => kd.validate({ T: 4 }), paramsError('T', /unknown parameter 'T'/));
    assert.throws(() => kd.validate({ temperature: 0 }), paramsError('temperature', /> 0/));
    assert.throws(() => kd.validate({ t2Factor: 'yes' }), paramsError('t2Factor', /a boolean/));
    assert.throws(() => kd.validate({ alpha: 1.5 }), paramsError('alpha', /≤ 1/));
  });

  it('its loss is kdLoss with the params (T² case: 9 × the pinned KL)', () => {
    const m = getMethod('kd');
    if (m.kind !== 'logits') return assert.fail('kd is a logits method');
    const v = tf.tidy(
      () =>
        m
          .loss(
            tf.tensor2d([
              [1, 2, 3],
              [0.5, -1, 0],
            ]),
            tf.tensor2d([
              [3, 1, 0.2],
              [0, 0, 1],
            ]),
            undefined,
            m.validate({ t2Factor: true }),
          )
          .dataSync()[0],
    );
    assert.ok(Math.abs(v - 9 * 0.12580368735298775) < 1e-5, `${v}`);
  });
});
