import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MethodParamsError } from '../errors';
import { getMethod } from '../registry';
import { fspLoss, fspMatrix, FspParams } from './fsp';

before(async () => {
  await tf.setBackend('cpu');
});

const wave = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => 1.5 * Math.sin(1.3 * i + seed));
type Shape = [number, number, number, number];
// Pinned with PyTorch (float64): G = bmm(a.view(n,c1,-1), b.view(n,c2,-1)ᵀ)/(h·w), a average-pooled
// (adaptive_avg_pool2d) to b's size; loss = 0.5 · ‖G_S − G_T‖² / 2 (λ = 0.5, n = 2).
// Student maps (NHWC): wave(64, 0.3) [2,4,4,2], wave(24, 0.9) [2,2,2,3];
// teacher: wave(64, 1.4) [2,4,4,2], wave(24, 2.8) [2,2,2,3].
const FSP = 0.011064190184927002;
const FSP_GRAD_S1_FIRST8 = [
  0.0020525064536611, -0.004173183887184569, 0.0020525064536611, -0.004173183887184569,
  0.001990737913363828, 0.006846020617259496, 0.001990737913363828, 0.006846020617259496,
];
const maps = (): { s: tf.Tensor4D[]; t: tf.Tensor4D[] } => ({
  s: [tf.tensor4d(wave(64, 0.3), [2, 4, 4, 2]), tf.tensor4d(wave(24, 0.9), [2, 2, 2, 3])],
  t: [tf.tensor4d(wave(64, 1.4), [2, 4, 4, 2]), tf.tensor4d(wave(24, 2.8), [2, 2, 2, 3])],
});

/** Float64 reference of Σ λ‖G_S − G_T‖² / n for maps of equal spatial size. */
function fspRef(
  s1: number[],
  s2: number[],
  t1: number[],
  t2: number[],
  [n, h, w, c1]: Shape,
  c2: number,
  lambda: number,
) {
  const g = (a: number[], b: number[]) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      for (let p = 0; p < c1; p++)
        for (let q = 0; q < c2; q++) {
          let acc = 0;
          for (let k = 0; k < h * w; k++)
            acc += a[(i * h * w + k) * c1 + p] * b[(i * h * w + k) * c2 + q];
          out.push(acc / (h * w));
        }
    return out;
  };
  const gs = g(s1, s2);
  const gt = g(t1, t2);
  return (lambda * gs.reduce((acc, x, i) => acc + (x - gt[i]) ** 2, 0)) / n;
}

describe('fspMatrix', () => {
  it('hand-computed: F¹ = [1, 2], F² = [[1, 0], [3, 1]] over 2 positions ⇒ [[3.5, 1]]', () => {
    const v = tf.tidy(() =>
      fspMatrix(tf.tensor4d([1, 2], [1, 1, 2, 1]), tf.tensor4d([1, 0, 3, 1], [1, 1, 2, 2])),
    );
    assert.deepEqual(v.shape, [1, 1, 2]);
    assert.deepEqual(Array.from(v.dataSync()), [3.5, 1]);
  });

  it('average-pools the larger map (4×4 → 2×2) and rejects non-integer factors', () => {
    // F¹ 4×4×1 = 0..15, pooled 2×2 = [2.5, 4.5, 10.5, 12.5]; F² = 1 everywhere ⇒ mean = 7.5
    const v = tf.tidy(() =>
      fspMatrix(
        tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) as tf.Tensor4D,
        tf.ones([1, 2, 2, 1]),
      ).dataSync(),
    );
    assert.deepEqual(Array.from(v), [7.5]);
    assert.throws(
      () => fspMatrix(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 2, 2, 1])),
      /cannot pool 3×3 to 2×2/,
    );
  });
});

describe('fspLoss', () => {
  it('hand-computed: G_S = [3.5, 1], G_T = [3, 2] ⇒ λ(0.25 + 1)/n', () => {
    const s = [tf.tensor4d([1, 2], [1, 1, 2, 1]), tf.tensor4d([1, 0, 3, 1], [1, 1, 2, 2])];
    const t = [tf.tensor4d([1, 1], [1, 1, 2, 1]), tf.tensor4d([3, 2, 3, 2], [1, 1, 2, 2])];
    assert.equal(
      tf.tidy(() => fspLoss(s, t, [2]).dataSync()[0]),
      2.5,
    );
  });

  it('matches PyTorch (with pooling): value and gradient', () => {
    const { s, t } = maps();
    const [v, g] = tf.tidy(() => {
      const f = (a: tf.Tensor) => fspLoss([a as tf.Tensor4D, s[1]], t, [0.5]);
      return [f(s[0]).dataSync()[0], tf.grad(f)(s[0]).dataSync()];
    });
    assert.ok(Math.abs(v - FSP) < 1e-4 * FSP, `${v} vs ${FSP}`);
    FSP_GRAD_S1_FIRST8.forEach((x, i) =>
      assert.ok(Math.abs(g[i] - x) < 1e-6, `[${i}] ${g[i]} vs ${x}`),
    );
    tf.dispose([...s, ...t]);
  });

  it('gradient matches central differences of a float64 reference (both maps); none to the teacher', () => {
    const shape: Shape = [2, 3, 2, 2];
    const [s1, s2, t1, t2] = [wave(24, 0.1), wave(36, 0.5), wave(24, 1.2), wave(36, 2.2)];
    const s2shape: Shape = [2, 3, 2, 3];
    const [ga, gb, gt] = tf.tidy(() => {
      const tt = [tf.tensor4d(t1, shape), tf.tensor4d(t2, s2shape)];
      const [a, b, c] = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
        fspLoss([x as tf.Tensor4D, y as tf.Tensor4D], [z as tf.Tensor4D, tt[1]], [0.7]),
      )([tf.tensor4d(s1, shape), tf.tensor4d(s2, s2shape), tt[0]]);
      return [a.dataSync(), b.dataSync(), c.dataSync()];
    });
    const eps = 1e-5;
    const check = (which: 0 | 1, g: ArrayLike<number>) => {
      const base = which === 0 ? s1 : s2;
      base.forEach((_, i) => {
        const up = base.slice();
        up[i] += eps;
        const dn = base.slice();
        dn[i] -= eps;
        const f = (x: number[]) =>
          which === 0 ? fspRef(x, s2, t1, t2, shape, 3, 0.7) : fspRef(s1, x, t1, t2, shape, 3, 0.7);
        const fd = (f(up) - f(dn)) / (2 * eps);
        assert.ok(Math.abs(g[i] - fd) < 1e-4, `map ${which} [${i}] ${g[i]} vs ${fd}`);
      });
    };
    check(0, ga);
    check(1, gb);
    assert.ok(Array.from(gt).every((x) => x === 0));
  });

  it('rejects odd map counts, mismatched channels and wrong weight counts', () => {
    const z = (c: number) => tf.zeros([1, 2, 2, c]) as tf.Tensor4D;
    assert.throws(() => fspLoss([z(1)], [z(1)], [1]), /\(start, end\) pairs/);
    assert.throws(
      () => fspLoss([z(1), z(2)], [z(1), z(3)], [1]),
      /student FSP \[1,1,2\] vs teacher FSP \[1,1,3\]/,
    );
    assert.throws(() => fspLoss([z(1), z(2)], [z(1), z(2)], [1, 1]), /do not fit together/);
  });
});

describe('fsp method', () => {
  it('is registered as an init method with equal λ over the 3 groups; weights follow groups', () => {
    const m = getMethod('fsp');
    assert.equal(m.kind, 'init');
    assert.equal(m.teacherSignal, 'features');
    const want: FspParams = { groups: [1, 2, 3], weights: [1, 1, 1] };
    assert.deepEqual(m.defaultParams(), want);
    assert.deepEqual(m.validate({ groups: [2, 3] }), { groups: [2, 3], weights: [1, 1] });
  });

  it('rejects unknown keys and wrong values, naming the key', () => {
    const m = getMethod('fsp');
    const err = (key: string, re: RegExp) => (e: unknown) =>
      e instanceof MethodParamsError && e.key === key && re.test(e.message);
    assert.throws(() => m.validate({ lambda: 1 }), err('lambda', /unknown parameter 'lambda'/));
    assert.throws(() => m.validate({ groups: [1, 1] }), err('groups', /strictly ascending/));
    assert.throws(() => m.validate({ groups: ['1'] }), err('groups[0]', /integer/));
    assert.throws(
      () => m.validate({ weights: [1, 1] }),
      err('weights', /2 entries but 'groups' has 3/),
    );
  });

  it('its loss is fspLoss with the weights', () => {
    const m = getMethod('fsp');
    if (m.kind !== 'init') return assert.fail('fsp is an init method');
    const { s, t } = maps();
    const v = tf.tidy(
      () => m.loss(s, t, m.validate({ groups: [2], weights: [0.5] })).dataSync()[0],
    );
    assert.ok(Math.abs(v - FSP) < 1e-4 * FSP);
    assert.throws(() => m.loss(s, t, m.defaultParams()), /2 student maps but 'groups' needs 6/);
    tf.dispose([...s, ...t]);
  });
});
