import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from './register';
import { liveCounts, setupWasmAndCpu } from '../testing/reference';

before(async () => {
  await setupWasmAndCpu();
  registerWasmTrainingKernels();
});

test('Identity on wasm shares the buffer: a clone adds a tensor but no data, and outlives its source', () => {
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const before = liveCounts();
  const b = tf.clone(a);
  assert.deepEqual(
    liveCounts(),
    { tensors: before.tensors + 1, dataIds: before.dataIds },
    'no copy',
  );
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(b.shape, [2, 3]);
  b.dispose();
  assert.deepEqual(
    liveCounts(),
    { tensors: before.tensors - 1, dataIds: before.dataIds - 1 },
    'freed with the last reference',
  );
});

test('Identity on wasm: gradients that save their inputs (customGrad, square) still give the cpu values', async () => {
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), tf.sin(x)));
  const xs = [0.3, -1.2, 2.5, 0.7];
  const grads: number[][] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const x = tf.tensor1d(xs);
    const g = tf.grad(f)(x);
    grads.push(Array.from(g.dataSync()));
    tf.dispose([x, g]);
  }
  grads[0]!.forEach((v, i) =>
    assert.ok(Math.abs(v - grads[1]![i]!) < 1e-5, `dx[${i}] ${grads[1]![i]} vs ${v}`),
  );
  // By hand: d/dx x² sin x = 2x sin x + x² cos x.
  xs.forEach((x, i) =>
    assert.ok(Math.abs(grads[1]![i]! - (2 * x * Math.sin(x) + x * x * Math.cos(x))) < 1e-5),
  );
});
