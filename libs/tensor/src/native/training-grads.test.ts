import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import { assertClose, onCpuAndWasm, seeded, skipWithoutAddon } from './native-test-util';

// A tiny WRN-like net: conv3x3 -> relu -> conv3x3/2 -> relu, 1x1/2 shortcut, global pool, dense.
function lossAndGrads(): tf.Tensor[] {
  const x = seeded([2, 9, 7, 3], 11) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4);
  const vars = [
    tf.variable(tf.mul(seeded([3, 3, 3, 4], 12), 0.5), true, 'w1'),
    tf.variable(tf.mul(seeded([3, 3, 4, 6], 13), 0.5), true, 'w2'),
    tf.variable(tf.mul(seeded([1, 1, 3, 6], 14), 0.5), true, 'ws'),
    tf.variable(tf.mul(seeded([6, 4], 15), 0.5), true, 'dense'),
  ];
  const [w1, w2, ws, dense] = vars as [
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R4>,
    tf.Variable<tf.Rank.R2>,
  ];
  const { value, grads } = tf.variableGrads(() => {
    const h = tf.relu(tf.conv2d(x, w1, 1, 'same'));
    const h2 = tf.relu(tf.conv2d(h, w2, 2, 'same'));
    const s = tf.conv2d(x, ws, 2, 'same');
    const pooled = tf.mean(tf.add(h2, s), [1, 2]) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, dense)) as tf.Scalar;
  }, vars);
  const out = [value, ...vars.map((v) => grads[v.name] as tf.Tensor)];
  const kept = out.map((t) => t.clone());
  tf.dispose([...out, ...vars]);
  return kept;
}

test(
  "gradients of a tiny conv net through tf.variableGrads equal the cpu backend's",
  { skip: skipWithoutAddon },
  async () => {
    const [cpu, wasm] = await onCpuAndWasm(lossAndGrads);
    ['loss', 'w1', 'w2', 'ws', 'dense'].forEach((what, i) =>
      assertClose(wasm[i]!, cpu[i]!, 1e-4, what),
    );
  },
);
