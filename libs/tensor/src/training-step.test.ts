import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { expectFlatTensors } from './memory';
import { assertClose, onCpu, setupWasmAndCpu, values } from './testing/reference';
import { TINY_SHAPES, tinyInit, tinyLoss } from './testing/tiny-wrn';

before(setupWasmAndCpu);

const N = 3;
const xv = { data: values(N * 9 * 9, 42), shape: [N, 9, 9, 1] };
const LABELS = [1, 7, 3];

function gradsOnCurrentBackend(init: Record<string, Float32Array>): {
  loss: number;
  grads: Record<string, { data: Float32Array; shape: number[] }>;
} {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(init))
    vars[k] = tf.variable(
      tf.tensor(v, TINY_SHAPES[k]),
      true,
      `tiny-${k}-${tf.getBackend()}-${Math.random()}`,
    );
  const x = tf.tensor4d(xv.data, xv.shape as [number, number, number, number]);
  const labels = tf.tensor1d(LABELS, 'int32');
  const { value, grads } = tf.variableGrads(() => tinyLoss(vars, x, labels), Object.values(vars));
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [k, v] of Object.entries(vars))
    out[k] = { data: grads[v.name].dataSync() as Float32Array, shape: grads[v.name].shape };
  const loss = value.dataSync()[0];
  tf.dispose([value, x, labels, ...Object.values(grads), ...Object.values(vars)]);
  return { loss, grads: out };
}

test('a training step of a tiny pre-activation residual net gives the cpu gradients on wasm', async () => {
  const init = tinyInit();
  const wasm = gradsOnCurrentBackend(init);
  await tf.setBackend('cpu');
  let cpu: ReturnType<typeof gradsOnCurrentBackend>;
  try {
    cpu = gradsOnCurrentBackend(init);
  } finally {
    await tf.setBackend('wasm');
  }
  assert.ok(
    Math.abs(wasm.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss),
    `loss ${wasm.loss} vs cpu ${cpu.loss}`,
  );
  for (const k of Object.keys(TINY_SHAPES))
    assertClose(wasm.grads[k], cpu.grads[k], `gradient of ${k}`, 2e-4);
});

test('SGD steps on wasm leave no tensors or buffers behind', async () => {
  const vars = Object.entries(tinyInit()).map(([k, v]) =>
    tf.variable(tf.tensor(v, TINY_SHAPES[k]), true),
  );
  const w: Record<string, tf.Tensor> = {};
  Object.keys(TINY_SHAPES).forEach((k, i) => (w[k] = vars[i]));
  const x = tf.tensor4d(xv.data, xv.shape as [number, number, number, number]);
  const labels = tf.tensor1d(LABELS, 'int32');
  const opt = tf.train.momentum(0.1, 0.9, true);
  let first = Infinity;
  let last = Infinity;
  const report = await expectFlatTensors(
    (i) => {
      const loss = opt.minimize(() => tinyLoss(w, x, labels), true, vars);
      const v = loss!.dataSync()[0];
      if (i === 0) first = v;
      last = v;
      return loss;
    },
    4,
    { label: 'tiny net SGD step' },
  );
  assert.equal(report.after.length, 4);
  assert.ok(last < first, `loss should fall on a fixed batch: ${first} → ${last}`);
  opt.dispose();
  tf.dispose([x, labels, ...vars]);
});

test('a masked loss (comparison and logical ops) has the cpu gradient on wasm', async () => {
  const rv = { data: values(60, 5).map((v) => 2 * v), shape: [3, 4, 5] };
  const tv = { data: values(60, 6), shape: [3, 4, 5] };
  // The AB loss's shape: (r+1)²·[r > −1 ∧ t ≤ 0] + (r−1)²·[r ≤ 1 ∧ t > 0]
  const ab = (r: tf.Tensor, t: tf.Tensor) => {
    const neg = tf.cast(tf.logicalAnd(tf.greater(r, -1), tf.lessEqual(t, 0)), 'float32');
    const pos = tf.cast(tf.logicalAnd(tf.lessEqual(r, 1), tf.greater(t, 0)), 'float32');
    return tf.sum(
      tf.add(tf.mul(tf.square(tf.add(r, 1)), neg), tf.mul(tf.square(tf.sub(r, 1)), pos)),
    );
  };
  const [ref] = await onCpu([rv, tv], (r, t) => tf.grad((rr: tf.Tensor) => ab(rr, t))(r));
  const r = tf.tensor(rv.data, rv.shape);
  const t = tf.tensor(tv.data, tv.shape);
  const g = tf.grad((rr: tf.Tensor) => ab(rr, t))(r);
  assertClose({ data: g.dataSync(), shape: g.shape }, ref, 'AB-loss gradient');
  // Hand check of one element: d/dr of (r+1)² = 2(r+1) where the first mask holds.
  const i = Array.from(rv.data).findIndex((v, k) => v > -1 && tv.data[k] <= 0);
  assert.ok(Math.abs(g.dataSync()[i] - 2 * (rv.data[i] + 1)) < 1e-5);
  tf.dispose([r, t, g]);
});
