import * as tf from '@tensorflow/tfjs-core';

/** ρ(x): 1 where x > 0 else 0, as float32 (the neuron is "on"). NaN counts as off. */
export function signOf(preact: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(tf.cast(preact, 'float32'), 0), 'float32'));
}
