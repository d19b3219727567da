import './gradients';
import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors';
import { signOf } from './sign-of';

/**
 * The activation-boundary loss of one tap (Heo et al. 2019, eq. 4 with the margin μ):
 *
 *   ℓ = Σ (r+μ)² · [r > −μ ∧ T ≤ 0] + (r−μ)² · [r ≤ μ ∧ T > 0]   over all elements, / batch size
 *
 * where r = r(S) is the connector output (NHWC) and T the teacher's pre-activation, of which
 * only the sign is used. The gradient w.r.t. r is that of the formula with the indicator masks
 * held constant: 2(r+μ)·[r > −μ ∧ T ≤ 0] + 2(r−μ)·[r ≤ μ ∧ T > 0], / batch size (what autograd
 * gives in the paper's PyTorch code). No gradient flows to `teacherOn`.
 *
 * @param r connector output r(S), NHWC, float32.
 * @param teacherOn same shape; an element is "on" where it is > 0 (a 0/1 float32 or bool sign
 *   map, or the teacher's raw pre-activations).
 * @param mu the margin μ ≥ 0 (1 in the paper).
 */
export function abLoss(r: tf.Tensor4D, teacherOn: tf.Tensor, mu = 1): tf.Scalar {
  check(r.rank === 4, () => `abLoss: r must be rank 4 (NHWC), got shape [${r.shape}]`);
  check(
    tf.util.arraysEqual(r.shape, teacherOn.shape),
    () => `abLoss: teacherOn shape [${teacherOn.shape}] differs from r shape [${r.shape}]`,
  );
  check(r.dtype === 'float32', () => `abLoss: r must be float32, got ${r.dtype}`);
  check(Number.isFinite(mu) && mu >= 0, () => `abLoss: mu must be a finite number ≥ 0, got ${mu}`);
  const n = r.shape[0];
  check(n > 0, () => `abLoss: empty batch (shape [${r.shape}])`);
  return tf.tidy(() => abLossOp(mu, n)(r, teacherOn) as tf.Scalar);
}

/** Σ_k w_k · abLoss(r_k, T_k, μ): the AB-stage objective over several taps. */
export function abTotalLoss(
  rs: tf.Tensor4D[],
  teacherOn: tf.Tensor[],
  opts: { mu: number; weights: number[] },
): tf.Scalar {
  check(rs.length > 0, () => 'abTotalLoss: no taps');
  check(
    rs.length === teacherOn.length && rs.length === opts.weights.length,
    () =>
      `abTotalLoss: ${rs.length} student taps, ${teacherOn.length} teacher taps and ` +
      `${opts.weights.length} weights must be equal in number`,
  );
  return tf.tidy(() =>
    tf.addN(rs.map((r, k) => tf.mul(abLoss(r, teacherOn[k], opts.mu), opts.weights[k]))),
  ) as tf.Scalar;
}

/**
 * The published tap weights: total = (L₃ + L₂/2 + L₁/4) / 1000 × 3, i.e. the deepest tap gets
 * 3/1000 and each shallower one half of the next: [3/4000, 3/2000, 3/1000] for 3 taps.
 */
export function defaultTapWeights(numTaps = 3): number[] {
  check(
    Number.isInteger(numTaps) && numTaps > 0,
    () => `defaultTapWeights: numTaps must be a positive integer, got ${numTaps}`,
  );
  return Array.from({ length: numTaps }, (_, k) => 3 / 1000 / 2 ** (numTaps - 1 - k));
}

/**
 * A custom-gradient op: comparison kernels have no registered gradient in tfjs, and the masks
 * must be constants anyway, so the gradient is written out rather than taken through them.
 * The teacher input enters the op raw and gets a zero gradient, so a teacher computed under
 * the same tape never meets the gradient-less comparisons.
 */
function abLossOp(mu: number, n: number): (r: tf.Tensor, on: tf.Tensor) => tf.Tensor {
  // With t = +1 where the teacher is on and −1 where it is off, the two masked terms are one:
  // (r−μ)²·[r ≤ μ] = relu(μ − r)² for t = +1 and (r+μ)²·[r > −μ] = relu(μ + r)² for t = −1,
  // i.e. ℓ = Σ relu(μ − t·r)² / n (the paper's ‖ρ(T)⊙σ(μ1 − r) + (1−ρ(T))⊙σ(μ1 + r)‖²), and
  // dℓ/dr = −2·t·relu(μ − t·r) / n. A handful of passes over the tap instead of two dozen.
  return tf.customGrad((...args) => {
    const [r, on, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const t = tf.sub(tf.mul(signOf(on), 2), 1);
    const d = tf.relu(tf.sub(mu, tf.mul(t, r)));
    save([d, t]);
    return {
      value: tf.div(tf.sum(tf.square(d)), n),
      gradFunc: (dy, saved) => {
        const [ds, ts] = saved;
        return [tf.mul(tf.mul(ds, ts), tf.mul(dy, -2 / n)), tf.zeros(ts.shape, 'float32')];
      },
    };
  });
}
