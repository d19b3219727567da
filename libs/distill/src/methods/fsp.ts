import '../gradients';
import * as tf from '@tensorflow/tfjs-core';
import { InitMethod } from '../distill-method';
import { check, MethodParamsError } from '../errors';
import { arrayParam, numberParam, ParamSchema, validateParams } from '../param-checks';
import { stopGradient } from '../stop-gradient';

export type FspParams = {
  /** 1-based WRN groups whose (start, end) maps give an FSP matrix (all 3, as Yim et al. for ResNets). */
  groups: number[];
  /** λ per group; Yim et al. weight all pairs equally (1). Default: 1 per group. */
  weights: number[];
};

const schema: ParamSchema<FspParams> = {
  groups: arrayParam(numberParam({ min: 1, integer: true })),
  weights: arrayParam(numberParam({ min: 0 })),
};

const defaults = (): FspParams => ({ groups: [1, 2, 3], weights: [1, 1, 1] });

function validate(input?: unknown): FspParams {
  const p = validateParams('fsp', schema, defaults(), input);
  const given = (input ?? {}) as Partial<FspParams>;
  if (given.groups !== undefined && given.weights === undefined) p.weights = p.groups.map(() => 1);
  if (p.groups.some((g, i) => i > 0 && g <= p.groups[i - 1])) {
    throw new MethodParamsError(
      `method 'fsp': parameter 'groups' must be strictly ascending, got [${p.groups}]`,
      'groups',
    );
  }
  if (p.weights.length !== p.groups.length) {
    throw new MethodParamsError(
      `method 'fsp': parameter 'weights' has ${p.weights.length} entries but 'groups' has ${p.groups.length}`,
      'weights',
    );
  }
  return p;
}

/** Average-pools `x` (NHWC) down to h × w; the sizes must divide evenly. */
function poolTo(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [, xh, xw] = x.shape;
  if (xh === h && xw === w) return x;
  check(
    xh % h === 0 && xw % w === 0 && xh / h === xw / w,
    () => `fspMatrix: cannot pool ${xh}×${xw} to ${h}×${w} (needs one integer factor)`,
  );
  const k = xh / h;
  return tf.avgPool(x, k, k, 'valid');
}

/**
 * The flow-of-solution-procedure matrix of Yim et al. (CVPR 2017, eq. 1), per image:
 *
 *   G(F¹, F²)[i, j] = Σ_{h,w} F¹[h, w, i] · F²[h, w, j] / (h · w)    → [n, c₁, c₂]
 *
 * `f1`, `f2`: NHWC maps of the same n; when their spatial sizes differ the larger one is
 * average-pooled to the smaller (an integer factor; RepDistiller's adaptive_avg_pool2d).
 */
export function fspMatrix(f1: tf.Tensor4D, f2: tf.Tensor4D): tf.Tensor3D {
  check(
    f1.rank === 4 && f2.rank === 4 && f1.shape[0] === f2.shape[0],
    () => `fspMatrix: maps [${f1.shape}] and [${f2.shape}] must be NHWC with the same n`,
  );
  return tf.tidy(() => {
    const h = Math.min(f1.shape[1], f2.shape[1]);
    const w = Math.min(f1.shape[2], f2.shape[2]);
    const n = f1.shape[0];
    const a = tf.reshape(poolTo(f1, h, w), [n, h * w, f1.shape[3]]) as tf.Tensor3D;
    const b = tf.reshape(poolTo(f2, h, w), [n, h * w, f2.shape[3]]) as tf.Tensor3D;
    return tf.div(tf.matMul(a, b, true, false), h * w) as tf.Tensor3D;
  });
}

/**
 * The FSP loss (Yim et al. 2017, eq. 2):
 *
 *   L = (1/n) Σ_x Σ_g λ_g · ‖G_T,g(x) − G_S,g(x)‖²₂   (squared Frobenius norm of c₁×c₂ matrices)
 *
 * `student`, `teacher`: the maps [start₁, end₁, start₂, end₂, …], one (start, end) pair per group;
 * student and teacher matrices must have the same c₁ × c₂ (when widths differ, the model code
 * maps the student's maps to the teacher's widths first, like the AB connectors). RepDistiller's
 * FSP takes the mean over the c₁·c₂ entries instead: a factor per group, absorbed by λ.
 * No gradient flows to the teacher.
 */
export function fspLoss(
  student: tf.Tensor4D[],
  teacher: tf.Tensor4D[],
  weights: number[],
): tf.Scalar {
  check(
    student.length > 0 && student.length % 2 === 0,
    () => `fspLoss: expects (start, end) pairs of maps, got ${student.length} student maps`,
  );
  check(
    student.length === teacher.length && weights.length === student.length / 2,
    () =>
      `fspLoss: ${student.length} student maps, ${teacher.length} teacher maps and ` +
      `${weights.length} weights (one per pair) do not fit together`,
  );
  const n = student[0].shape[0];
  check(n > 0, () => 'fspLoss: empty batch');
  return tf.tidy(() => {
    const terms = weights.map((lambda, g) => {
      const gs = fspMatrix(student[2 * g], student[2 * g + 1]);
      const gt = fspMatrix(
        stopGradient(teacher[2 * g]) as tf.Tensor4D,
        stopGradient(teacher[2 * g + 1]) as tf.Tensor4D,
      );
      check(
        tf.util.arraysEqual(gs.shape, gt.shape),
        () => `fspLoss: group ${g}: student FSP [${gs.shape}] vs teacher FSP [${gt.shape}]`,
      );
      return tf.mul(tf.sum(tf.square(tf.sub(gs, gt))), lambda);
    });
    return tf.div(tf.addN(terms), n);
  }) as tf.Scalar;
}

/**
 * FSP (Yim et al., CVPR 2017) as a baseline of the AB paper. Stage 1: the student is trained on
 * fspLoss alone, matching the teacher's FSP matrices between the first and the last map of each
 * group (start = the group's input, end = its output, NHWC). Stage 2: the student is trained on
 * the task; "FSP + KD" in the AB paper = this init stage, then KD. `loss(student, teacher)`:
 * [start, end] per group in `groups` order, for both networks.
 */
export const fspMethod: InitMethod<FspParams> = {
  name: 'fsp',
  kind: 'init',
  teacherSignal: 'features',
  description:
    'FSP: match the Gram matrices between the input and output maps of each group, Σ λ‖G_S − G_T‖² / batch (Yim et al. 2017)',
  defaultParams: defaults,
  validate,
  loss: (student, teacher, params) => {
    check(
      student.length === 2 * params.groups.length,
      () => `fsp: ${student.length} student maps but 'groups' needs ${2 * params.groups.length}`,
    );
    return fspLoss(student, teacher as tf.Tensor4D[], params.weights);
  },
};
