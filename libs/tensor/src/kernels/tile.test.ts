import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from './register';
import { onCpu, setupWasmAndCpu, values } from '../testing/reference';

before(async () => {
  await setupWasmAndCpu();
  registerWasmTrainingKernels();
});

const CASES: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }> = [
  { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: 'float32' }, // the batch-norm gradient's case
  { shape: [2, 3], reps: [3, 2], dtype: 'float32' },
  { shape: [3, 1, 2], reps: [1, 5, 3], dtype: 'int32' },
  { shape: [4], reps: [7], dtype: 'float32' },
  { shape: [2, 2, 3, 1], reps: [2, 1, 3, 4], dtype: 'bool' },
  { shape: [2, 0, 3], reps: [2, 2, 2], dtype: 'float32' },
];

for (const c of CASES) {
  test(`Tile on wasm equals the cpu backend: ${c.dtype} [${c.shape}] × [${c.reps}]`, async () => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const data = Array.from(values(n, 3), (v) =>
      c.dtype === 'float32' ? v : c.dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0,
    );
    const [ref] = await onCpu([{ data: Float32Array.from(data), shape: c.shape }], (x) =>
      tf.cast(tf.tile(tf.cast(x, c.dtype), c.reps), 'float32'),
    );
    const x = tf.tensor(data, c.shape, c.dtype);
    const y = tf.tile(x, c.reps);
    assert.deepEqual(
      y.shape,
      c.shape.map((s, i) => s * c.reps[i]!),
    );
    assert.deepEqual(Array.from(tf.cast(y, 'float32').dataSync()), Array.from(ref!.data));
    tf.dispose([x, y]);
  });
}
