import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { abLoss, abTotalLoss, defaultTapWeights } from './ab-loss';

before(async () => {
  await tf.setBackend('cpu');
});

/** Float64 reference of the formula and of its derivative with constant masks. */
function abRef(r: number[], on: number[], mu: number, n: number): { loss: number; grad: number[] } {
  let loss = 0;
  const grad = r.map((x, i) => {
    if (on[i] > 0) {
      if (x <= mu) {
        loss += (x - mu) ** 2;
        return (2 * (x - mu)) / n;
      }
    } else if (x > -mu) {
      loss += (x + mu) ** 2;
      return (2 * (x + mu)) / n;
    }
    return 0;
  });
  return { loss: loss / n, grad };
}

/** Deterministic values in (−3, 3) at least `gap` away from ±mu (the kinks). */
function awayFromKinks(count: number, mu: number, gap: number, seed: number): number[] {
  let s = seed;
  const out: number[] = [];
  while (out.length < count) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const x = (s / 2 ** 31) * 6 - 3;
    if (Math.abs(x - mu) > gap && Math.abs(x + mu) > gap) out.push(Math.fround(x));
  }
  return out;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}] ${a[i]} vs ${b[i]} (tol ${tol})`);
  }
};

describe('abLoss', () => {
  // elements: (r, T) = (0.25, off) inside the margin, (−1.5, off) beyond it,
  //                    (0.25, on) inside, (2, on) beyond — for μ = 1 and μ = 0.5 alike.
  const r = () => tf.tensor4d([0.25, -1.5, 0.25, 2], [1, 1, 2, 2]);
  const on = () => tf.tensor4d([0, 0, 1, 1], [1, 1, 2, 2]);

  it('matches the hand-computed value for μ = 1: (1.25)² + 0 + (−0.75)² + 0', () => {
    const v = tf.tidy(() => abLoss(r(), on(), 1).dataSync()[0]);
    assert.equal(v, 1.5625 + 0.5625);
  });

  it('matches the hand-computed value for μ = 0.5: (0.75)² + 0 + (−0.25)² + 0', () => {
    const v = tf.tidy(() => abLoss(r(), on(), 0.5).dataSync()[0]);
    assert.equal(v, 0.5625 + 0.0625);
  });

  it('has the hand-computed gradient 2(r±μ) on active elements, 0 elsewhere', () => {
    const g1 = tf.tidy(() =>
      tf
        .grad((x) => abLoss(x as tf.Tensor4D, on(), 1))(r())
        .dataSync(),
    );
    assert.deepEqual(
      Array.from(g1, (v) => v + 0),
      [2.5, 0, -1.5, 0],
    );
    const g2 = tf.tidy(() =>
      tf
        .grad((x) => abLoss(x as tf.Tensor4D, on(), 0.5))(r())
        .dataSync(),
    );
    assert.deepEqual(
      Array.from(g2, (v) => v + 0),
      [1.5, 0, -0.5, 0],
    );
  });

  it('divides by the batch size and treats −μ < r on the off side by margin', () => {
    // image 2: r = −0.75 off is inside the margin for μ = 1 ((0.25)²) but beyond it for μ = 0.5
    const x = tf.tensor4d([0.25, -1.5, 0.25, 2, -0.75, 0, 1, 0.5], [2, 1, 2, 2]);
    const t = tf.tensor4d([0, 0, 1, 1, 0, 1, 1, 0], [2, 1, 2, 2]);
    const v1 = tf.tidy(() => abLoss(x, t, 1).dataSync()[0]);
    // image 2 (μ = 1): 0.0625 + (0−1)² + (1−1)² + (1.5)² = 3.3125
    assert.equal(v1, (2.125 + 3.3125) / 2);
    const v2 = tf.tidy(() => abLoss(x, t, 0.5).dataSync()[0]);
    // image 2 (μ = 0.5): 0 + 0.25 + 0 (r = 1 > μ) + 1 = 1.25
    assert.equal(v2, (0.625 + 1.25) / 2);
    tf.dispose([x, t]);
  });

  it('accepts bool masks and raw teacher pre-activations (only the sign counts)', () => {
    const want = 2.125;
    const vb = tf.tidy(() => abLoss(r(), tf.cast(on(), 'bool'), 1).dataSync()[0]);
    const vr = tf.tidy(
      () => abLoss(r(), tf.tensor4d([-0.3, 0, 4, 0.01], [1, 1, 2, 2]), 1).dataSync()[0],
    );
    assert.equal(vb, want);
    assert.equal(vr, want);
  });

  for (const mu of [1, 0.5]) {
    it(`value and gradient match a float64 reference and central differences (μ = ${mu})`, () => {
      const shape: [number, number, number, number] = [2, 3, 2, 4];
      const size = 48;
      const rv = awayFromKinks(size, mu, 0.05, 7 + mu * 10);
      const onv = awayFromKinks(size, 0, 0, 99).map((x) => (x > 0 ? 1 : 0));
      const { loss, grad } = abRef(rv, onv, mu, 2);
      const [v, g] = tf.tidy(() => {
        const t = tf.tensor4d(onv, shape);
        const { value, grad: gt } = tf.valueAndGrad((x: tf.Tensor) =>
          abLoss(x as tf.Tensor4D, t, mu),
        )(tf.tensor4d(rv, shape));
        return [value.dataSync()[0], gt.dataSync()];
      });
      assert.ok(Math.abs(v - loss) <= 1e-5 * Math.max(1, loss), `${v} vs ${loss}`);
      close(g, grad, 1e-5);
      // central differences of the float64 formula; eps below the 0.05 gap keeps masks fixed
      const eps = 1e-3;
      const fd = rv.map((_, i) => {
        const up = rv.slice();
        const dn = rv.slice();
        up[i] += eps;
        dn[i] -= eps;
        return (abRef(up, onv, mu, 2).loss - abRef(dn, onv, mu, 2).loss) / (2 * eps);
      });
      close(g, fd, 1e-4);
    });
  }

  it('sends a zero gradient to teacherOn, also when the teacher is computed under the tape', () => {
    const g = tf.tidy(() =>
      tf
        .grads((x, t) => abLoss(x as tf.Tensor4D, t, 1))([r(), on()])[1]
        .dataSync(),
    );
    assert.deepEqual(Array.from(g), [0, 0, 0, 0]);
    const tw = tf.variable(tf.tensor4d([-1, -1, 1, 1], [1, 1, 2, 2]));
    const sw = tf.variable(r());
    const { value, grads } = tf.variableGrads(() =>
      abLoss(sw as unknown as tf.Tensor4D, tf.mul(tw, 3), 1),
    );
    assert.equal(value.dataSync()[0], 2.125);
    assert.deepEqual(Array.from(grads[tw.name].dataSync()), [0, 0, 0, 0]);
    assert.deepEqual(
      Array.from(grads[sw.name].dataSync(), (v) => v + 0),
      [2.5, 0, -1.5, 0],
    );
    tf.dispose([value, tw, sw, ...Object.values(grads)]);
  });

  it('rejects mismatched shapes, rank, and a negative μ', () => {
    tf.tidy(() => {
      assert.throws(
        () => abLoss(r(), tf.zeros([1, 2, 2, 1]), 1),
        /teacherOn shape \[1,2,2,1\] differs/,
      );
      assert.throws(
        () => abLoss(tf.zeros([4]) as unknown as tf.Tensor4D, tf.zeros([4]), 1),
        /rank 4/,
      );
      assert.throws(() => abLoss(r(), on(), -1), /mu must be/);
    });
  });

  it('leaves no tensors behind, forward and backward, inside tf.tidy', () => {
    const x = r();
    const t = on();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      abLoss(x, t, 1);
      tf.grad((y) => abLoss(y as tf.Tensor4D, t, 1))(x);
      abTotalLoss([x, x], [t, t], { mu: 1, weights: [1, 2] });
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, t]);
  });
});

describe('abTotalLoss', () => {
  it('is Σ w_k·ℓ_k, and its gradient is weighted per tap', () => {
    const on = tf.tensor4d([0, 0, 1, 1], [1, 1, 2, 2]);
    const a = tf.tensor4d([0.25, -1.5, 0.25, 2], [1, 1, 2, 2]); // ℓ = 2.125
    const b = tf.tensor4d([1, 1, 1, 1], [1, 2, 2, 1]); // off: 4 + 4, on: 0 + 0 → ℓ = 8
    const onB = tf.tensor4d([0, 0, 1, 1], [1, 2, 2, 1]);
    const v = tf.tidy(
      () => abTotalLoss([a, b], [on, onB], { mu: 1, weights: [0.5, 0.25] }).dataSync()[0],
    );
    assert.equal(v, 0.5 * 2.125 + 0.25 * 8);
    const gb = tf.tidy(() =>
      tf
        .grads((x, y) =>
          abTotalLoss([x as tf.Tensor4D, y as tf.Tensor4D], [on, onB], {
            mu: 1,
            weights: [0.5, 0.25],
          }),
        )([a, b])[1]
        .dataSync(),
    );
    assert.deepEqual(
      Array.from(gb, (x) => x + 0),
      [1, 1, 0, 0],
    ); // 0.25·2(1+1)
    tf.dispose([on, a, b, onB]);
  });

  it('rejects a weight count that differs from the taps', () => {
    const x = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    assert.throws(() => abTotalLoss([x], [x], { mu: 1, weights: [1, 2] }), /equal in number/);
    x.dispose();
  });
});

describe('defaultTapWeights', () => {
  it('is (L3 + L2/2 + L1/4)/1000·3 for three taps', () => {
    assert.deepEqual(defaultTapWeights(), [3 / 4000, 3 / 2000, 3 / 1000]);
    assert.deepEqual(defaultTapWeights(1), [3 / 1000]);
    assert.deepEqual(defaultTapWeights(2), [3 / 2000, 3 / 1000]);
    assert.throws(() => defaultTapWeights(0), /positive integer/);
  });
});
