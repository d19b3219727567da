// A tiny pre-activation residual net (the WRN's parts in miniature) for training-step tests.
import * as tf from '@tensorflow/tfjs-core';
import { values } from './reference';

export const TINY_SHAPES: Record<string, number[]> = {
  conv1: [3, 3, 1, 4],
  bn1g: [4],
  bn1b: [4],
  conv2: [3, 3, 4, 8],
  short: [1, 1, 4, 8],
  conv3: [3, 3, 8, 8],
  bn2g: [8],
  bn2b: [8],
  fcw: [8, 10],
  fcb: [10],
};

/** Deterministic initial weights as plain arrays (so two backends start equal). */
export function tinyInit(): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let seed = 100;
  for (const [k, shape] of Object.entries(TINY_SHAPES)) {
    const v = values(
      shape.reduce((a, b) => a * b),
      seed++,
    );
    out[k] = k.endsWith('g') ? v.map((x) => 1 + 0.1 * x) : v.map((x) => 0.5 * x);
  }
  return out;
}

function bnRelu(h: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const m = tf.moments(h, [0, 1, 2]);
  return tf.relu(
    tf.add(tf.mul(tf.div(tf.sub(h, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), g), b),
  );
}

/** Mean cross-entropy of the tiny net on images x [n,9,9,1] with integer labels. */
export function tinyLoss(
  w: Record<string, tf.Tensor>,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
): tf.Scalar {
  const xp = tf.mirrorPad(
    x,
    [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ],
    'reflect',
  ); // augmentation's pad
  const crop = tf.slice(xp, [0, 1, 3, 0], [x.shape[0], 9, 9, 1]);
  const h1 = tf.conv2d(crop as tf.Tensor4D, w.conv1 as tf.Tensor4D, 1, 'same');
  const a1 = bnRelu(h1, w.bn1g, w.bn1b) as tf.Tensor4D;
  const h2 = tf.conv2d(a1, w.conv2 as tf.Tensor4D, 2, 'same');
  const h3 = tf.conv2d(tf.relu(h2) as tf.Tensor4D, w.conv3 as tf.Tensor4D, 1, 'same');
  const sum = tf.add(h3, tf.conv2d(a1, w.short as tf.Tensor4D, 2, 'same'));
  const a2 = bnRelu(sum, w.bn2g, w.bn2b);
  const pooled = tf.mean(a2, [1, 2]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(pooled, w.fcw as tf.Tensor2D), w.fcb);
  const onehot = tf.oneHot(labels, 10);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}
