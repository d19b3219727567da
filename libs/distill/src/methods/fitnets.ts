import '../gradients';
import * as tf from '@tensorflow/tfjs-core';
import { InitMethod } from '../distill-method';
import { check, MethodParamsError } from '../errors';
import { numberParam, ParamSchema, validateParams } from '../param-checks';
import { stopGradient } from '../stop-gradient';

export type FitnetsParams = {
  /** The guided layer: a 1-based WRN group whose end tap the regressor reads (2 = the middle). */
  studentTap: number;
  /** The hint layer: a 1-based WRN group of the teacher (2 = the middle, as in FitNets). */
  teacherTap: number;
  /**
   * Kernel size of the convolutional regressor W_r, odd (padding 'same'). FitNets sizes it so
   * that the output matches the hint's spatial size (k = N_g − N_h + 1, valid padding); our taps
   * have equal spatial sizes, where that rule gives 1 (a 1×1 conv, the default).
   */
  regressorKernel: number;
  /** Multiplier of the hint loss (1: the FitNets objective as written). */
  weight: number;
};

const schema: ParamSchema<FitnetsParams> = {
  studentTap: numberParam({ min: 1, integer: true }),
  teacherTap: numberParam({ min: 1, integer: true }),
  regressorKernel: numberParam({ min: 1, integer: true }),
  weight: numberParam({ min: 0 }),
};

const defaults = (): FitnetsParams => ({
  studentTap: 2,
  teacherTap: 2,
  regressorKernel: 1,
  weight: 1,
});

function validate(input?: unknown): FitnetsParams {
  const p = validateParams('fitnets', schema, defaults(), input);
  if (p.regressorKernel % 2 !== 1) {
    throw new MethodParamsError(
      `method 'fitnets': parameter 'regressorKernel' must be odd (padding 'same'), got ${p.regressorKernel}`,
      'regressorKernel',
    );
  }
  return p;
}

/**
 * The FitNets hint loss (Romero et al., ICLR 2015, eq. 3):
 *
 *   L_HT = (1/n) Σ_i ½ ‖W_r(S_i) − T_i‖²₂   (sum over all h·w·c elements of image i)
 *
 * where W_r(S) is the regressor's output on the student's guided layer (computed by the model
 * code, like the AB connectors) and T the teacher's hint layer, both NHWC of the same shape.
 * The per-image ½‖·‖² is the paper's; the mean over the batch matches the AB loss's "/ batch
 * size" (RepDistiller's HintLoss = MSELoss instead also divides by h·w·c and drops the ½: a
 * constant factor, absorbed by `weight`). No gradient flows to the teacher.
 *
 * @returns a scalar; gradient w.r.t. `regressed` = (W_r(S) − T) / n.
 */
export function fitnetsLoss(regressed: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  check(
    regressed.rank === 4 && tf.util.arraysEqual(regressed.shape, teacher.shape),
    () =>
      `fitnetsLoss: regressor output [${regressed.shape}] and teacher hint [${teacher.shape}] ` +
      `must be NHWC tensors of the same shape`,
  );
  const n = regressed.shape[0];
  check(n > 0, () => `fitnetsLoss: empty batch`);
  return tf.tidy(() =>
    tf.div(tf.sum(tf.square(tf.sub(regressed, stopGradient(teacher)))), 2 * n),
  ) as tf.Scalar;
}

/**
 * FitNets (Romero et al. 2015) as a baseline of the AB paper. Stage 1 (hint training): the
 * student up to its guided layer, plus the regressor W_r (a conv, `regressorKernel`²), is
 * trained on `weight · fitnetsLoss(W_r(S), T)` with the teacher's hint layer as target; the
 * regressor is then dropped. Stage 2: the whole student is trained on the logits; FitNets used
 * KD there (its "KD" stage), so "FitNets + KD" in the AB paper = this init stage, then KD.
 * `loss(student, teacher)` takes exactly one tap each: [W_r(S)] and [T].
 */
export const fitnetsMethod: InitMethod<FitnetsParams> = {
  name: 'fitnets',
  kind: 'init',
  teacherSignal: 'features',
  description:
    'FitNets hints: a regressor on a middle student layer learns the teacher’s middle layer, ½‖W_r(S) − T‖² / batch (Romero et al. 2015)',
  defaultParams: defaults,
  validate,
  loss: (student, teacher, params) => {
    check(
      student.length === 1 && teacher.length === 1,
      () =>
        `fitnets: expects one regressor output and one teacher hint, got ${student.length} and ${teacher.length}`,
    );
    return tf.tidy(() =>
      tf.mul(fitnetsLoss(student[0], teacher[0] as tf.Tensor4D), params.weight),
    ) as tf.Scalar;
  },
};
