import './gradients';
import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors';

/**
 * Softmax cross-entropy, mean over the batch: CE = −(1/n) Σ_i log softmax(z_i)[y_i], computed
 * through logSoftmax (log-sum-exp with the max subtracted), so large logits do not overflow.
 *
 * @param logits [n, classes] float32.
 * @param labels [n] class ids in [0, classes) (int32; float ids are cast).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  check(
    logits.rank === 2,
    () => `crossEntropy: logits must be [n, classes], got [${logits.shape}]`,
  );
  const [n, classes] = logits.shape;
  check(n > 0 && classes > 0, () => `crossEntropy: empty logits [${logits.shape}]`);
  check(
    labels.rank === 1 && labels.shape[0] === n,
    () =>
      `crossEntropy: labels shape [${labels.shape}] does not match batch of logits [${logits.shape}]`,
  );
  // oneHot maps an out-of-range id to an all-zero row silently: that must not pass. Labels
  // come from host memory, so reading them back is cheap on every backend.
  const ids = labels.dataSync();
  for (let i = 0; i < n; i++) {
    const y = ids[i];
    check(
      Number.isInteger(y) && y >= 0 && y < classes,
      () => `crossEntropy: label ${i} is ${y}, not a class id in [0, ${classes})`,
    );
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), classes);
    const logp = tf.logSoftmax(logits);
    return tf.div(tf.neg(tf.sum(tf.mul(oneHot, logp))), n);
  }) as tf.Scalar;
}
