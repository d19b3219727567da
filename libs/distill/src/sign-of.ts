import * as tf from '@tensorflow/tfjs-core';

/*
 * ρ, the "neuron on" map of the AB method: ρ(x) = 1 where x > 0 else 0. 0, −0 and NaN are off.
 * This file is its one definition: `signOf` on the device, `signsOfValues` on the host, and
 * `isOn` for one value (what `packSigns` packs). Every sign map in the project comes from here,
 * so the in-process and the wire paths cannot disagree about a boundary value.
 */

/** ρ of one value: x > 0 (false for 0, −0 and NaN). */
export function isOn(x: number): boolean {
  return x > 0;
}

/**
 * ρ(x) on the device, as a float32 0/1 tensor of x's shape (accepts float32, int32 or bool).
 * A comparison rather than tf.step: step passes NaN through, ρ(NaN) is 0.
 */
export function signOf(preact: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.greater(preact, 0), 'float32'));
}

/** ρ of host values, as a float32 0/1 array of the same length. */
export function signsOfValues(values: ArrayLike<number>): Float32Array {
  const s = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) s[i] = isOn(values[i]) ? 1 : 0;
  return s;
}
