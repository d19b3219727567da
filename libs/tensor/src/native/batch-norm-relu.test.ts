import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasNativeBatchNormRelu,
  nativeBatchNorm,
  nativeBatchNormInference,
  nativeBatchNormRelu,
} from './batch-norm-relu';
import {
  assertClose,
  onCpuAndWasm,
  seeded,
  skipWithoutAddon,
  useNativeWasm,
} from './native-test-util';

const EPS = 1e-3;

/** Reference on cpu (tf ops), native on wasm; returns [y, mean, variance, dx, dgamma, dbeta]. */
function bnRelu(shape: number[], relu = true): tf.Tensor[] {
  const x = tf.add(tf.mul(seeded(shape, 21), 2), 0.3);
  const c = shape[shape.length - 1] as number;
  const gamma = tf.add(seeded([c], 22), 1.2) as tf.Tensor1D;
  const beta = tf.mul(seeded([c], 23), 0.5) as tf.Tensor1D;
  const w = seeded(shape, 24); // dL/dy
  const axes = shape.slice(0, -1).map((_, i) => i);
  const native = tf.getBackend() === 'wasm';
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    if (native) {
      return relu
        ? nativeBatchNormRelu(a, g as tf.Tensor1D, b as tf.Tensor1D, EPS)
        : nativeBatchNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, EPS, false);
    }
    const { mean, variance } = tf.moments(a, axes);
    const bn = tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, EPS);
    return { y: relu ? tf.relu(bn) : bn, mean, variance };
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
  'nativeBatchNorm without ReLU: forward and gradients match tf ops on cpu',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    for (const shape of [
      [2, 5, 3, 4],
      [3, 7, 7, 9],
    ]) {
      const [cpu, wasm] = await onCpuAndWasm(() => bnRelu(shape, false));
      ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((what, i) =>
        assertClose(wasm[i]!, cpu[i]!, 2e-4, `${shape} ${what}`),
      );
    }
  },
);

/** Inference BN with given statistics: native fused kernel and tf.batchNorm (overridden on wasm). */
function inferenceCase(shape: number[], relu: boolean): tf.Tensor[] {
  const c = shape[shape.length - 1] as number;
  const x = tf.add(tf.mul(seeded(shape, 41), 3), 0.2);
  const mean = tf.mul(seeded([c], 42), 0.5) as tf.Tensor1D;
  const variance = tf.add(tf.abs(seeded([c], 43)), 0.1) as tf.Tensor1D;
  const gamma = tf.add(seeded([c], 44), 1) as tf.Tensor1D;
  const beta = seeded([c], 45) as tf.Tensor1D;
  const viaOp = tf.batchNorm(x, mean, variance, beta, gamma, EPS);
  const reference = relu ? tf.relu(viaOp) : viaOp;
  if (tf.getBackend() !== 'wasm') return [reference, reference];
  const fused = nativeBatchNormInference(x, mean, variance, gamma, beta, EPS, relu);
  assert.ok(fused, 'the native inference kernel serves the call');
  return [reference, fused];
}

test(
  'inference batch norm (tf.batchNorm on wasm and the fused kernel, with and without ReLU) matches cpu',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    for (const shape of [
      [2, 5, 3, 4],
      [1, 7, 7, 3],
      [6, 5],
    ]) {
      for (const relu of [false, true]) {
        const [cpu, wasm] = await onCpuAndWasm(() => inferenceCase(shape, relu));
        assertClose(wasm[0]!, cpu[0]!, 1e-5, `${shape} relu=${relu} tf.batchNorm`);
        assertClose(wasm[1]!, cpu[1]!, 1e-5, `${shape} relu=${relu} fused`);
      }
    }
  },
);

test(
  'inference batch norm under a gradient tape falls back to tf ops, so input gradients stay right',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    const c = 3;
    const mean = tf.tensor1d([0.1, -0.2, 0.3]);
    const variance = tf.tensor1d([0.5, 1.5, 2]);
    const gamma = tf.tensor1d([1, 2, -1]);
    const beta = tf.tensor1d([0, 0.5, -0.5]);
    const x = seeded([2, 2, 2, c], 51);
    let served: boolean | undefined;
    const dx = tf.grad((a: tf.Tensor) => {
      const y = nativeBatchNormInference(a, mean, variance, gamma, beta, EPS, false);
      served = y !== null;
      return tf.sum(y ?? tf.batchNorm(a, mean, variance, beta, gamma, EPS));
    })(x);
    assert.equal(served, false);
    // d/dx of sum(BN(x)) = gamma / sqrt(var + eps) per channel, by hand.
    const expect = [1, 2, -1].map((g, j) => g / Math.sqrt([0.5, 1.5, 2][j]! + EPS));
    const got = dx.dataSync();
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i]! - expect[i % c]!) < 1e-5, `dx[${i}]`);
    tf.dispose([mean, variance, gamma, beta, x, dx]);
  },
);

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
