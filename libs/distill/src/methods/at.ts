import '../gradients';
import * as tf from '@tensorflow/tfjs-core';
import { JointMethod } from '../distill-method';
import { check, MethodParamsError } from '../errors';
import { arrayParam, enumParam, numberParam, ParamSchema, validateParams } from '../param-checks';
import { stopGradient } from '../stop-gradient';

export type AtParams = {
  /** β of the AT paper: 1000 (its CIFAR experiments and its code). */
  beta: number;
  /** Exponent p of the attention map Σ_c |A_c|^p (2 in the paper's experiments). */
  p: number;
  /** Taps, as 1-based WRN groups (the AT paper uses the end of each of the 3 groups), ascending. */
  taps: number[];
  /**
   * 'code' (default): the official code's mean over batch and positions of (Q_S − Q_T)²;
   * 'paper': the paper's text, ‖Q_S − Q_T‖₂ (not squared) per image, with β divided by the
   * attention map's size and the batch size. See atLoss.
   */
  form: 'code' | 'paper';
};

const schema: ParamSchema<AtParams> = {
  beta: numberParam({ min: 0 }),
  p: numberParam({ min: 0, exclusiveMin: true }),
  taps: arrayParam(numberParam({ min: 1, integer: true })),
  form: enumParam(['code', 'paper'] as const),
};

const defaults = (): AtParams => ({ beta: 1000, p: 2, taps: [1, 2, 3], form: 'code' });

function validate(input?: unknown): AtParams {
  const p = validateParams('at', schema, defaults(), input);
  if (p.taps.some((t, i) => i > 0 && t <= p.taps[i - 1])) {
    throw new MethodParamsError(
      `method 'at': parameter 'taps' must be strictly ascending, got [${p.taps}]`,
      'taps',
    );
  }
  return p;
}

/** ‖v‖₂ per row, floored so that the gradient stays finite at 0 (F.normalize's eps = 1e-12). */
function rowNorm(v: tf.Tensor2D): tf.Tensor2D {
  return tf.sqrt(tf.maximum(tf.sum(tf.square(v), 1, true), 1e-24)) as tf.Tensor2D;
}

/**
 * The activation-based spatial attention map of the AT paper (F^p_sum), L2-normalised per image:
 *
 *   Q = vec(Σ_c |A_c|^p) / ‖vec(Σ_c |A_c|^p)‖₂   → [n, h·w]
 *
 * (the official code takes the mean over channels instead of the sum: the normalisation makes
 * them equal). `a`: activations, NHWC.
 */
export function attentionMap(a: tf.Tensor4D, p = 2): tf.Tensor2D {
  check(a.rank === 4, () => `attentionMap: expects NHWC, got shape [${a.shape}]`);
  check(Number.isFinite(p) && p > 0, () => `attentionMap: p must be > 0, got ${p}`);
  return tf.tidy(() => {
    const [n, h, w] = a.shape;
    const powed = p === 2 ? tf.square(a) : tf.pow(tf.abs(a), p);
    const q = tf.reshape(tf.sum(powed, 3), [n, h * w]) as tf.Tensor2D;
    return tf.div(q, rowNorm(q)) as tf.Tensor2D;
  });
}

/**
 * Attention transfer (Zagoruyko & Komodakis, ICLR 2017, eq. 2), summed over taps j:
 *
 *   form 'code' (default):  β/2 · Σ_j (1/(n·h_j·w_j)) Σ_i Σ_k (Q_S,ij[k] − Q_T,ij[k])²
 *   form 'paper':           β/2 · Σ_j (1/(n·h_j·w_j)) Σ_i ‖Q_S,ij − Q_T,ij‖₂
 *
 * with Q = attentionMap(A, p). The paper writes ‖·‖_p with p = 2, not squared, and says β = 10³
 * is "divided by the number of elements in the attention map and batch size"; its official code
 * (`(at(x) − at(y)).pow(2).mean()`, β/2 · Σ) squares the difference. β = 1000 was tuned with the
 * code, which every public re-implementation (RepDistiller, torchdistill) copies, so 'code' is
 * the default; 'paper' is the text, for comparison. Student and teacher taps must have the same
 * h, w (channels may differ). No gradient flows to the teacher.
 */
export function atLoss(
  student: tf.Tensor4D[],
  teacher: tf.Tensor4D[],
  opts: { beta: number; p?: number; form?: 'code' | 'paper' },
): tf.Scalar {
  const { beta, p = 2, form = 'code' } = opts;
  check(student.length > 0, () => 'atLoss: no taps');
  check(
    student.length === teacher.length,
    () => `atLoss: ${student.length} student taps but ${teacher.length} teacher taps`,
  );
  student.forEach((s, j) => {
    const t = teacher[j];
    check(
      s.rank === 4 && t.rank === 4 && s.shape[0] === t.shape[0] && s.shape[0] > 0,
      () =>
        `atLoss: tap ${j}: student [${s.shape}] and teacher [${t.shape}] must be NHWC, same n > 0`,
    );
    check(
      s.shape[1] === t.shape[1] && s.shape[2] === t.shape[2],
      () => `atLoss: tap ${j}: spatial sizes differ: student [${s.shape}], teacher [${t.shape}]`,
    );
  });
  return tf.tidy(() => {
    const terms = student.map((s, j) => {
      const [n, h, w] = s.shape;
      const d = tf.sub(
        attentionMap(s, p),
        attentionMap(stopGradient(teacher[j]) as tf.Tensor4D, p),
      );
      const perImage = form === 'code' ? tf.sum(tf.square(d)) : tf.sum(rowNorm(d as tf.Tensor2D));
      return tf.div(perImage, n * h * w);
    });
    return tf.mul(tf.addN(terms), beta / 2);
  }) as tf.Scalar;
}

/**
 * Attention transfer (Zagoruyko & Komodakis 2017) as a baseline of the AB paper. Trained
 * jointly: every step of the classification stage minimises the logits loss (CE, or KD for the
 * paper's "AT + KD", as in the AT code's `distillation(...) + β/2 · Σ at_loss`) plus
 * atLoss(student taps, teacher taps). `loss(student, teacher)`: the activations at `taps`
 * (NHWC, one tensor per tap, same order for both).
 */
export const atMethod: JointMethod<AtParams> = {
  name: 'at',
  kind: 'joint',
  teacherSignal: 'features',
  description:
    'attention transfer: match L2-normalised Σ_c|A_c|² maps at each group, β/2 · mean (Q_S − Q_T)² (Zagoruyko & Komodakis 2017)',
  defaultParams: defaults,
  validate,
  loss: (student, teacher, params) => {
    check(
      student.length === params.taps.length,
      () => `at: ${student.length} student taps but 'taps' has ${params.taps.length}`,
    );
    return atLoss(student as tf.Tensor4D[], teacher as tf.Tensor4D[], params);
  },
};
