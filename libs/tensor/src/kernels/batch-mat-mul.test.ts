import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-mat-mul';
import { stockWasmKernel } from './register';
import {
  assertClose,
  liveCounts,
  onCpu,
  runConfig,
  setupWasmAndCpu,
  values,
} from '../testing/reference';

before(setupWasmAndCpu);

const CASES: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean }> = [
  { a: [1, 65, 33], b: [1, 65, 47], tA: true, tB: false },
  { a: [2, 33, 65], b: [2, 47, 65], tA: false, tB: true },
  { a: [3, 65, 33], b: [3, 47, 65], tA: true, tB: true },
  { a: [1, 64, 128], b: [1, 128, 64], tA: false, tB: false },
  { a: [1, 3, 5], b: [1, 4, 5], tA: false, tB: true }, // small: stock path
  { a: [200, 7], b: [200, 9], tA: true, tB: false }, // rank 2 (the dense layer's dW = xᵀ·dy)
];

for (const c of CASES) {
  const name = `a[${c.a}] b[${c.b}] tA=${c.tA} tB=${c.tB}`;
  test(`BatchMatMul matches cpu: ${name}`, async () => {
    const av = {
      data: values(
        c.a.reduce((x, y) => x * y),
        2,
      ),
      shape: c.a,
    };
    const bv = {
      data: values(
        c.b.reduce((x, y) => x * y),
        9,
      ),
      shape: c.b,
    };
    const [ref] = await onCpu([av, bv], (a, b) => tf.matMul(a, b, c.tA, c.tB));
    const a = tf.tensor(av.data, av.shape);
    const b = tf.tensor(bv.data, bv.shape);
    const before = liveCounts();
    const config = batchMatMulConfig(stockWasmKernel(tf.BatchMatMul));
    const out = runConfig(config, { a, b }, { transposeA: c.tA, transposeB: c.tB });
    assert.deepEqual(
      liveCounts(),
      { tensors: before.tensors + 1, dataIds: before.dataIds + 1 },
      'one output, no leak',
    );
    // The stock kernel returns rank 3 for rank-2 inputs too; tf.matMul reshapes after it.
    assertClose({ data: out.dataSync(), shape: ref.shape }, ref, name);
    assert.equal(out.size, ref.data.length);
    tf.dispose([a, b, out]);
  });
}
