import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from './wrn';

/** Losses of a few SGD steps of a WRN-10-1 on a fixed input, on the current backend. */
function losses(steps: number): number[] {
  const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 5);
  const x = tf.tidy(() =>
    tf.sin(tf.reshape(tf.range(0, 6 * 11 * 11), [6, 11, 11, 1])),
  ) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 10);
  const vars = [...m.params.values()];
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(() => {
      const logits = m.forward(x, { training: true }).logits;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    }, vars);
    out.push(value.dataSync()[0]);
    tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.1)))));
    tf.dispose([value, ...Object.values(grads)]);
  }
  tf.dispose([x, y]);
  m.dispose();
  return out;
}

test('a short training run gives the same losses with the fast paths (wasm kernels, native kernels, fused BN) as on the cpu backend', async () => {
  await initBackend({ backend: 'cpu' });
  const reference = losses(4);
  await initBackend({ backend: 'wasm' });
  const fast = losses(4);
  reference.forEach((l, i) =>
    assert.ok(
      Math.abs(fast[i] - l) <= 1e-3 * Math.max(1, Math.abs(l)),
      `step ${i}: ${fast[i]} vs ${l}`,
    ),
  );
  assert.ok(reference[3] < reference[0], 'the loss falls');
});
