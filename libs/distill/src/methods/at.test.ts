import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MethodParamsError } from '../errors';
import { getMethod } from '../registry';
import { atLoss, AtParams, attentionMap } from './at';

before(async () => {
  await tf.setBackend('cpu');
});

const wave = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => 1.5 * Math.sin(1.3 * i + seed));
type Shape = [number, number, number, number];
// Pinned with PyTorch (float64), the official AT code: at(x) = F.normalize(x.pow(2).mean(1).view(n, -1)),
// loss = 1000/2 · Σ_taps (at(s) − at(t)).pow(2).mean(); 'paper' = 1000/2 · Σ ‖at(s) − at(t)‖₂.sum()/(n·h·w).
// Taps (NHWC): s1 = wave(96, 0.1) [2,4,4,3], t1 = wave(160, 0.7) [2,4,4,5],
//              s2 = wave(16, 1.9) [2,2,2,2], t2 = wave(48, 2.3) [2,2,2,6].
const AT_CODE = 5.004059958849253;
const AT_PAPER = 26.5822109124106;
const AT_CODE_GRAD_S2 = [
  -6.595229977003681, 0.406838069260182, -1.5050405117515062, -0.7153182180575102,
  2.789443889977501, 3.2701741381728113, 0.09284077035565255, 0.3416236647316494, 2.674114770581729,
  -8.728038841762991, -5.257032028861989, 3.435608783256061, 4.888463891423746, 0.2482028875975227,
  14.421784643733398, 8.46830655644824,
];
const taps = (): { s: tf.Tensor4D[]; t: tf.Tensor4D[] } => ({
  s: [tf.tensor4d(wave(96, 0.1), [2, 4, 4, 3]), tf.tensor4d(wave(16, 1.9), [2, 2, 2, 2])],
  t: [tf.tensor4d(wave(160, 0.7), [2, 4, 4, 5]), tf.tensor4d(wave(48, 2.3), [2, 2, 2, 6])],
});

/** Float64 reference of one tap's 'code' term: Σ (Q_S − Q_T)² / (n·h·w). */
function atRef(s: number[], t: number[], ss: Shape, ts: Shape): number {
  const q = (a: number[], [n, h, w, c]: Shape) =>
    Array.from({ length: n }, (_, i) => {
      const row = Array.from({ length: h * w }, (_, k) => {
        let acc = 0;
        for (let ch = 0; ch < c; ch++) acc += a[(i * h * w + k) * c + ch] ** 2;
        return acc;
      });
      const norm = Math.sqrt(row.reduce((x, y) => x + y * y, 0));
      return row.map((x) => x / norm);
    });
  const qs = q(s, ss);
  const qt = q(t, ts);
  let acc = 0;
  qs.forEach((row, i) => row.forEach((x, k) => (acc += (x - qt[i][k]) ** 2)));
  return acc / (ss[0] * ss[1] * ss[2]);
}

describe('attentionMap', () => {
  it('is the L2-normalised Σ_c A_c² per position (hand-computed)', () => {
    // positions: (3, 4) → 25, (0, 0) → 0, (0, 0) → 0, (0, 0) → 0 ⇒ [1, 0, 0, 0]; image 2: all 1 → 2 each ⇒ ½
    const a = tf.tensor4d([3, 4, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2]);
    assert.deepEqual(
      Array.from(tf.tidy(() => attentionMap(a).dataSync())),
      [1, 0, 0, 0, 0.5, 0.5, 0.5, 0.5],
    );
    // p = 1: |3| + |−4| = 7, |1| + |0| = 1 ⇒ [7, 1] / √50
    const b = tf.tensor4d([3, -4, 1, 0], [1, 1, 2, 2]);
    const v = tf.tidy(() => attentionMap(b, 1).dataSync());
    assert.ok(
      Math.abs(v[0] - 7 / Math.sqrt(50)) < 1e-6 && Math.abs(v[1] - 1 / Math.sqrt(50)) < 1e-6,
    );
    // an all-zero map stays finite (0), as F.normalize
    assert.deepEqual(
      Array.from(tf.tidy(() => attentionMap(tf.zeros([1, 1, 2, 1])).dataSync())),
      [0, 0],
    );
  });
});

describe('atLoss', () => {
  it('hand-computed: Q_S = [1, 0], Q_T = [0, 1] ⇒ code 500·2/2 = 500, paper 500·√2/2', () => {
    const s = tf.tensor4d([3, 4, 0, 0], [1, 1, 2, 2]);
    const t = tf.tensor4d([0, 0, 0, 2], [1, 1, 2, 2]);
    const code = tf.tidy(() => atLoss([s], [t], { beta: 1000 }).dataSync()[0]);
    const paper = tf.tidy(() => atLoss([s], [t], { beta: 1000, form: 'paper' }).dataSync()[0]);
    assert.ok(Math.abs(code - 500) < 1e-4, `${code}`);
    assert.ok(Math.abs(paper - 250 * Math.SQRT2) < 1e-3, `${paper}`);
  });

  it('matches the official PyTorch code on two taps (value, gradient), and the paper form', () => {
    const { s, t } = taps();
    const [v, vp, g] = tf.tidy(() => {
      const f = (a: tf.Tensor) => atLoss([s[0], a as tf.Tensor4D], t, { beta: 1000 });
      return [
        f(s[1]).dataSync()[0],
        atLoss(s, t, { beta: 1000, form: 'paper' }).dataSync()[0],
        tf.grad(f)(s[1]).dataSync(),
      ];
    });
    assert.ok(Math.abs(v - AT_CODE) < 1e-4 * AT_CODE, `${v} vs ${AT_CODE}`);
    assert.ok(Math.abs(vp - AT_PAPER) < 1e-4 * AT_PAPER, `${vp} vs ${AT_PAPER}`);
    g.forEach((x, i) =>
      assert.ok(Math.abs(x - AT_CODE_GRAD_S2[i]) < 1e-3, `[${i}] ${x} vs ${AT_CODE_GRAD_S2[i]}`),
    );
    tf.dispose([...s, ...t]);
  });

  it('gradient matches central differences of a float64 reference; none to the teacher', () => {
    const ss: Shape = [2, 4, 4, 3];
    const ts: Shape = [2, 4, 4, 5];
    const sv = wave(96, 0.1);
    const tv = wave(160, 0.7);
    const [gs, gt] = tf.tidy(() => {
      const [a, b] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        atLoss([x as tf.Tensor4D], [y as tf.Tensor4D], { beta: 2 }),
      )([tf.tensor4d(sv, ss), tf.tensor4d(tv, ts)]);
      return [a.dataSync(), b.dataSync()];
    });
    const eps = 1e-5;
    for (let i = 0; i < sv.length; i += 5) {
      const up = sv.slice();
      up[i] += eps;
      const dn = sv.slice();
      dn[i] -= eps;
      const fd = (atRef(up, tv, ss, ts) - atRef(dn, tv, ss, ts)) / (2 * eps); // β/2 = 1
      assert.ok(Math.abs(gs[i] - fd) < 1e-4, `[${i}] ${gs[i]} vs ${fd}`);
    }
    assert.ok(Array.from(gt).every((x) => x === 0));
  });

  it('rejects spatial mismatches and unequal tap counts', () => {
    assert.throws(
      () => atLoss([tf.zeros([1, 2, 2, 1])], [tf.zeros([1, 4, 4, 1])], { beta: 1 }),
      /spatial sizes differ/,
    );
    assert.throws(() => atLoss([tf.zeros([1, 2, 2, 1])], [], { beta: 1 }), /1 student taps but 0/);
  });
});

describe('at method', () => {
  it('is registered as a joint method with the AT defaults (β 1000, p 2, 3 groups, code form)', () => {
    const m = getMethod('at');
    assert.equal(m.kind, 'joint');
    assert.equal(m.teacherSignal, 'features');
    const want: AtParams = { beta: 1000, p: 2, taps: [1, 2, 3], form: 'code' };
    assert.deepEqual(m.defaultParams(), want);
    assert.deepEqual(m.validate({ form: 'paper', taps: [2, 3] }), {
      ...want,
      form: 'paper',
      taps: [2, 3],
    });
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    const m = getMethod('at');
    const err = (key: string, re: RegExp) => (e: unknown) =>
      e instanceof MethodParamsError && e.key === key && re.test(e.message);
    assert.throws(() => m.validate({ gamma: 1 }), err('gamma', /unknown parameter 'gamma'/));
    assert.throws(() => m.validate({ beta: '1000' }), err('beta', /finite number/));
    assert.throws(() => m.validate({ p: 0 }), err('p', /> 0/));
    assert.throws(() => m.validate({ taps: [3, 1] }), err('taps', /strictly ascending/));
    assert.throws(() => m.validate({ form: 'mean' }), err('form', /'code', 'paper'/));
  });

  it('its loss is atLoss with the params', () => {
    const m = getMethod('at');
    if (m.kind !== 'joint') return assert.fail('at is a joint method');
    const { s, t } = taps();
    const v = tf.tidy(() => m.loss(s, t, m.validate({ taps: [2, 3] })).dataSync()[0]);
    assert.ok(Math.abs(v - AT_CODE) < 1e-4 * AT_CODE);
    assert.throws(() => m.loss(s, t, m.defaultParams()), /2 student taps but 'taps' has 3/);
    tf.dispose([...s, ...t]);
  });
});
