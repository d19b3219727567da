import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from './cross-entropy';
import { check } from './errors';
import { stopGradient } from './stop-gradient';

export interface KdLossOptions {
  /** Softmax temperature T > 0 (3 in the paper). */
  temperature: number;
  /** Multiply the KL term by T² (Hinton et al.); the paper's code does not. */
  t2Factor: boolean;
  /** Weight α ∈ [0, 1] of the hard-label CE: (1−α)·KD + α·CE. Absent or 0: KD alone. */
  alpha?: number;
  /** Class ids, required when α > 0. */
  labels?: tf.Tensor1D;
}

/**
 * Knowledge distillation (Hinton et al. 2015) as in the paper's code:
 *
 *   KD = (1/n) Σ_i Σ_c p_t(c) · (log p_t(c) − log p_s(c)),  p = softmax(z / T)
 *
 * i.e. KL(softmax(t/T) ‖ softmax(s/T)) summed over classes and batch, / batch size; × T² when
 * `t2Factor`; with α > 0 the result is (1−α)·KD + α·CE(s, labels). The teacher's logits are
 * constants: their gradient is zero (stopGradient).
 */
export function kdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  opts: KdLossOptions,
): tf.Scalar {
  const { temperature: t, t2Factor, alpha = 0, labels } = opts;
  check(
    studentLogits.rank === 2 && tf.util.arraysEqual(studentLogits.shape, teacherLogits.shape),
    () =>
      `kdLoss: student logits [${studentLogits.shape}] and teacher logits [${teacherLogits.shape}] must be the same [n, classes]`,
  );
  const n = studentLogits.shape[0];
  check(n > 0, () => `kdLoss: empty batch`);
  check(
    Number.isFinite(t) && t > 0,
    () => `kdLoss: temperature must be a finite number > 0, got ${t}`,
  );
  check(
    Number.isFinite(alpha) && alpha >= 0 && alpha <= 1,
    () => `kdLoss: alpha must lie in [0, 1], got ${alpha}`,
  );
  check(alpha === 0 || labels !== undefined, () => `kdLoss: alpha = ${alpha} > 0 needs labels`);
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(tf.div(studentLogits, t));
    const logPt = tf.logSoftmax(tf.div(stopGradient(teacherLogits), t));
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs))), n);
    const kd = t2Factor ? tf.mul(kl, t * t) : kl;
    if (alpha === 0) return kd;
    return tf.add(tf.mul(kd, 1 - alpha), tf.mul(crossEntropy(studentLogits, labels!), alpha));
  }) as tf.Scalar;
}
