import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors';
import { signOf } from './sign-of';

/**
 * Activation similarity of one tap: the share (0..1) of elements where ρ(r(S)) == ρ(T), with
 * ρ(x) = [x > 0]; `teacherOn` is "on" where it is > 0 (a 0/1 sign map or raw pre-activations).
 * The paper's code logs it ×100 as `layerK_activation similarity P%`, averaged over an epoch's
 * batches.
 *
 * Returns a plain number: it reads the value back synchronously (dataSync), once per call, so
 * call it once per batch and tap, not inside a tight kernel loop. `activationAgreement` is
 * the same value left on the device as a Scalar, for callers that batch their reads.
 */
export function activationSimilarity(r: tf.Tensor, teacherOn: tf.Tensor): number {
  const s = activationAgreement(r, teacherOn);
  const v = s.dataSync()[0];
  s.dispose();
  return v;
}

/** activationSimilarity as a float32 Scalar (no read-back). */
export function activationAgreement(r: tf.Tensor, teacherOn: tf.Tensor): tf.Scalar {
  check(
    tf.util.arraysEqual(r.shape, teacherOn.shape),
    () =>
      `activationSimilarity: teacherOn shape [${teacherOn.shape}] differs from r shape [${r.shape}]`,
  );
  check(r.size > 0, () => `activationSimilarity: empty tensor (shape [${r.shape}])`);
  // |ρ(r) − ρ(T)| is 1 where they differ, 0 where they agree.
  return tf.tidy(() =>
    tf.sub(1, tf.mean(tf.abs(tf.sub(signOf(r), signOf(teacherOn))))),
  ) as tf.Scalar;
}
