import '../gradients';
import * as tf from '@tensorflow/tfjs-core';
import { JointMethod } from '../distill-method';
import { check } from '../errors';
import { enumParam, numberParam, ParamSchema, validateParams } from '../param-checks';
import { stopGradient } from '../stop-gradient';

export type JacobianParams = {
  /** Weight λ of the Jacobian term (ours: 1; Srinivas & Fleuret tune it per experiment). */
  lambda: number;
  /** Which logit's input-gradient is matched: the teacher's top class, or the true label. */
  output: 'teacher-top' | 'label';
  /**
   * How the training code differentiates the term w.r.t. the student's weights:
   * 'second-order' (default): jacobianLoss(inputGradient(...), gt) under the tape (double
   * backprop, as Srinivas & Fleuret; exact for the WRN with running-statistics BN, incomplete
   * through tf.customGrad ops such as its train-mode BN: see inputGradient);
   * 'first-order': jacobianDirection + jacobianFdTerm, first-order autodiff only; sound for
   * smooth networks only (see jacobianFdTerm).
   */
  mode: 'first-order' | 'second-order';
  /** Step of the central difference of 'first-order', as a max-abs input change (1e-3). */
  fdEps: number;
};

const schema: ParamSchema<JacobianParams> = {
  lambda: numberParam({ min: 0 }),
  output: enumParam(['teacher-top', 'label'] as const),
  mode: enumParam(['first-order', 'second-order'] as const),
  fdEps: numberParam({ min: 0, max: 1, exclusiveMin: true }),
};

const defaults = (): JacobianParams => ({
  lambda: 1,
  output: 'teacher-top',
  mode: 'second-order',
  fdEps: 1e-3,
});

/** Rows of `g` flattened per image and L2-normalised (‖·‖ floored at 1e-12): [n, d]. */
function unitRows(g: tf.Tensor): tf.Tensor2D {
  const flat = tf.reshape(g, [g.shape[0], -1]);
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(flat), 1, true), 1e-24));
  return tf.div(flat, norm) as tf.Tensor2D;
}

/**
 * Jacobian matching (Srinivas & Fleuret, ICML 2018), on given input-gradients:
 *
 *   J = λ · (1/n) Σ_i ‖ ∇ₓs_i / ‖∇ₓs_i‖₂ − ∇ₓt_i / ‖∇ₓt_i‖₂ ‖²₂
 *
 * `gs`, `gt`: ∇ₓ of the selected student / teacher logit, one row per image (any shape [n, …],
 * NHWC images in practice). No gradient flows to `gt`.
 */
export function jacobianLoss(gs: tf.Tensor, gt: tf.Tensor, lambda = 1): tf.Scalar {
  check(
    gs.rank >= 2 && tf.util.arraysEqual(gs.shape, gt.shape) && gs.shape[0] > 0,
    () => `jacobianLoss: gradients [${gs.shape}] and [${gt.shape}] must have one shape [n > 0, …]`,
  );
  return tf.tidy(() => {
    const d = tf.sub(unitRows(gs), unitRows(stopGradient(gt)));
    return tf.mul(tf.sum(tf.square(d)), lambda / gs.shape[0]);
  }) as tf.Scalar;
}

/** The classes whose logit is matched: argmax of the teacher's logits, or the labels. */
export function jacobianClasses(
  output: JacobianParams['output'],
  teacherLogits: tf.Tensor2D,
  labels?: tf.Tensor1D,
): tf.Tensor1D {
  if (output === 'teacher-top') return tf.argMax(teacherLogits, 1) as tf.Tensor1D;
  check(labels !== undefined, () => `jacobian: output 'label' needs the labels`);
  return tf.cast(labels, 'int32') as tf.Tensor1D;
}

/** Σ_i f(x)[i, c_i]: the selected logit of every image, summed (one backward pass gives all ∇ₓ). */
function selectedSum(f: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, classes: tf.Tensor1D) {
  const y = f(x);
  check(
    y.rank === 2 && y.shape[0] === classes.shape[0],
    () => `jacobian: logits [${y.shape}] do not fit ${classes.shape[0]} classes`,
  );
  return tf.sum(tf.mul(y, tf.oneHot(tf.cast(classes, 'int32'), y.shape[1]))) as tf.Scalar;
}

/**
 * ∇ₓ Σ_i f(x)[i, c_i] with tf.grad: row i is ∇ₓ of image i's selected logit (exactly so when the
 * images do not interact, e.g. BN with running statistics; train-mode BN couples the batch as in
 * PyTorch). Under an outer tape (tf.variableGrads) the result is differentiable again, but
 * tfjs 4.22 drops second-order terms (silently) through (a) tf.customGrad ops: their forward
 * is not recorded, so saved tensors computed inside (e.g. x̂ and 1/σ of the WRN's train-mode
 * batch-norm) are constants; (b) kernels whose gradient reads their saved *output* (Exp, Tanh,
 * Sigmoid, Softmax, LogSoftmax, Elu, Pow, Max, Min, MaxPool, LRN): that clone is put on the tape
 * before the kernel, so backprop visits it too late. It is exact for conv2d, matMul, add, mul,
 * relu (second derivative 0), mean/sum, tf.batchNorm with running statistics; AvgPoolGrad has
 * no gradient at all. For the WRN: use BN with running statistics, or a train-mode BN built
 * from plain ops (tf.moments, sub, mul, rsqrt: all exact), not the custom-gradient one.
 */
export function inputGradient(
  f: (x: tf.Tensor4D) => tf.Tensor2D,
  x: tf.Tensor4D,
  classes: tf.Tensor1D,
): tf.Tensor4D {
  return tf.grad((xx: tf.Tensor) => selectedSum(f, xx as tf.Tensor4D, classes))(x) as tf.Tensor4D;
}

/**
 * First-order path, step 1 (call OUTSIDE the training tape): the value of J = jacobianLoss(gs,
 * gt, λ) and v = ∂J/∂gs, where gs = inputGradient(f, x, classes) was computed outside it too.
 */
export function jacobianDirection(
  gs: tf.Tensor4D,
  gt: tf.Tensor4D,
  lambda: number,
): { loss: tf.Scalar; direction: tf.Tensor4D } {
  const { value, grad } = tf.valueAndGrad((g: tf.Tensor) => jacobianLoss(g, gt, lambda))(gs);
  return { loss: value, direction: grad as tf.Tensor4D };
}

/**
 * First-order path, step 2 (call INSIDE the training tape): a scalar whose value is `loss` and
 * whose gradient w.r.t. the weights used by `f` is dJ/dθ up to O(h²). With v fixed,
 *
 *   dJ/dθ = ∂/∂θ ⟨∇ₓs(θ), v⟩ = ∂/∂θ D_v s(x) ≈ ∂/∂θ [s(x + h·v) − s(x − h·v)] / (2h),
 *
 * s = Σ_i f(·)[i, c_i], h = eps / max|v| (so the images move by at most `eps`). Needs only
 * first-order gradients, so it is right through custom-gradient ops where double backprop is
 * not — but only for SMOOTH networks: with ReLUs, ∂s/∂θ jumps wherever a unit flips between
 * x ± h·v, each flip adds O(1/h) with probability O(h), and the error does not vanish as h → 0.
 * Measured on a WRN-10-1 (12×12 inputs, batch 8): cosine with the double-backprop gradient
 * 0.02–0.2 for eps 1e-4…1e-1, 5–50× its norm. Costs two extra forward passes of f (pass a
 * forward that does not update BN statistics).
 */
export function jacobianFdTerm(
  f: (x: tf.Tensor4D) => tf.Tensor2D,
  x: tf.Tensor4D,
  classes: tf.Tensor1D,
  step1: { loss: tf.Scalar; direction: tf.Tensor4D },
  eps = 1e-3,
): tf.Scalar {
  check(Number.isFinite(eps) && eps > 0, () => `jacobianFdTerm: eps must be > 0, got ${eps}`);
  const vmax = tf.tidy(() => tf.max(tf.abs(step1.direction)).dataSync()[0]);
  if (!(vmax > 0)) return tf.clone(step1.loss);
  const h = eps / vmax;
  return tf.tidy(() => {
    const dv = tf.mul(step1.direction, h);
    const up = selectedSum(f, tf.add(x, dv) as tf.Tensor4D, classes);
    const down = selectedSum(f, tf.sub(x, dv) as tf.Tensor4D, classes);
    const fd = tf.div(tf.sub(up, down), 2 * h);
    return tf.add(tf.sub(fd, stopGradient(fd)), step1.loss);
  }) as tf.Scalar;
}

/**
 * Jacobian matching (Srinivas & Fleuret 2018) as a baseline of the AB paper. Trained jointly:
 * every step of the classification stage minimises the logits loss (KD for the paper's
 * "Jacobian + KD"; Srinivas & Fleuret also add CE) plus J. `loss([gs], [gt])` = jacobianLoss
 * (the 'second-order' path); the training code computes gs = inputGradient(student, x, c) under
 * its tape, gt = inputGradient(teacher, x, c) outside it, c = jacobianClasses(output, …); or,
 * with mode 'first-order', uses jacobianDirection + jacobianFdTerm.
 */
export const jacobianMethod: JointMethod<JacobianParams> = {
  name: 'jacobian',
  kind: 'joint',
  teacherSignal: 'input-gradients',
  description:
    'Jacobian matching: λ · mean ‖∇ₓs/‖∇ₓs‖ − ∇ₓt/‖∇ₓt‖‖² of the teacher’s top logit (Srinivas & Fleuret 2018)',
  defaultParams: defaults,
  validate: (input) => validateParams('jacobian', schema, defaults(), input),
  loss: (student, teacher, params) => {
    check(
      student.length === 1 && teacher.length === 1,
      () =>
        `jacobian: expects one student and one teacher gradient, got ${student.length}, ${teacher.length}`,
    );
    return jacobianLoss(student[0], teacher[0], params.lambda);
  },
};
