import * as tf from '@tensorflow/tfjs-core';

/** A variable from JS values, without leaving the initial tensor behind. */
export function makeVariable(
  values: Float32Array,
  shape: number[],
  trainable: boolean,
): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
}
