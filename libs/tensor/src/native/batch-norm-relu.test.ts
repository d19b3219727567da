import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNativeBatchNormRelu, nativeBatchNormRelu } from './batch-norm-relu';
import {
  assertClose,
  onCpuAndWasm,
  seeded,
  skipWithoutAddon,
  useNativeWasm,
} from './native-test-util';

const EPS = 1e-3;

/** Reference on cpu (tf ops), native on wasm; returns [y, mean, variance, dx, dgamma, dbeta]. */
function bnRelu(shape: number[]): tf.Tensor[] {
  const x = tf.add(tf.mul(seeded(shape, 21), 2), 0.3);
  const c = shape[shape.length - 1] as number;
  const gamma = tf.add(seeded([c], 22), 1.2) as tf.Tensor1D;
  const beta = tf.mul(seeded([c], 23), 0.5) as tf.Tensor1D;
  const w = seeded(shape, 24); // dL/dy
  const axes = shape.slice(0, -1).map((_, i) => i);
  const native = tf.getBackend() === 'wasm';
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    if (native) return nativeBatchNormRelu(a, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
    const { mean, variance } = tf.moments(a, axes);
    const y = tf.relu(tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS));
    return { y, mean, variance };
  };
  const { y, mean, variance } = f(x, gamma, beta);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(f(a, g, b).y, w)),
  )([x, gamma, beta]);
  return [y, mean, variance, ...grads];
}

for (const shape of [
  [2, 5, 3, 4],
  [1, 7, 7, 3],
  [6, 5],
]) {
  test(
    `nativeBatchNormRelu forward and gradients match tf ops on cpu: ${shape}`,
    { skip: skipWithoutAddon },
    async () => {
      await useNativeWasm();
      assert.ok(hasNativeBatchNormRelu());
      const [cpu, wasm] = await onCpuAndWasm(() => bnRelu(shape));
      ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((what, i) =>
        assertClose(wasm[i]!, cpu[i]!, 2e-4, what),
      );
    },
  );
}

test(
  'nativeBatchNormRelu: tf.memory().numTensors is flat over repeated training steps',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    const x = seeded([2, 5, 3, 4], 31);
    const g = tf.variable(tf.ones([4]), true, 'bn_g');
    const b = tf.variable(tf.zeros([4]), true, 'bn_b');
    const step = () => {
      const { grads, value } = tf.variableGrads(() => {
        const r = nativeBatchNormRelu(x, g as tf.Tensor1D, b as tf.Tensor1D);
        return tf.sum(r.y) as tf.Scalar;
      }, [g, b]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    assert.equal(tf.memory().numTensors, start);
    tf.dispose([x, g, b]);
  },
);
