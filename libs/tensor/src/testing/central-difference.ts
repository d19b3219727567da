import * as tf from '@tensorflow/tfjs-core';

/**
 * The central difference (f(v + h·eᵢ) − f(v − h·eᵢ)) / 2h of a scalar objective in element `i`
 * of a variable, for gradient checks; the variable is restored afterwards.
 */
export function centralDifference(
  v: tf.Variable,
  i: number,
  h: number,
  objective: () => tf.Scalar,
): number {
  const base = v.dataSync().slice() as Float32Array;
  const at = (d: number): number => {
    const p = base.slice();
    p[i] += d;
    v.assign(tf.tensor(p, v.shape));
    return tf.tidy(() => objective().dataSync()[0]);
  };
  const out = (at(h) - at(-h)) / (2 * h);
  v.assign(tf.tensor(base, v.shape));
  return out;
}
