import './gradients';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The identity in the forward pass and a zero gradient backwards (tf.stop_gradient / detach),
 * so a teacher signal computed under the same tape (e.g. teacher variables that are trainable)
 * gets no gradient and never reaches a kernel without one.
 */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: () => tf.zeros(x.shape, 'float32') };
});
