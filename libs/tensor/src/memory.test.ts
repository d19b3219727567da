import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { countTensorsOver, expectFlatTensors, TensorLeakError } from './memory';
import { setupWasmAndCpu } from './testing/reference';

before(setupWasmAndCpu);

test('expectFlatTensors passes a step that disposes what it makes', async () => {
  const w = tf.variable(tf.ones([4]));
  const report = await expectFlatTensors(() => tf.tidy(() => tf.sum(tf.mul(w, 2))), 3);
  assert.equal(report.after.length, 3);
  assert.ok(report.after.every((c) => c.tensors === report.before.tensors));
  w.dispose();
});

test('expectFlatTensors throws TensorLeakError naming the counts when a step leaks', async () => {
  const kept: tf.Tensor[] = [];
  await assert.rejects(
    expectFlatTensors(() => void kept.push(tf.ones([2])), 2, { label: 'leaky step' }),
    (e: unknown) =>
      e instanceof TensorLeakError &&
      e.message.startsWith('leaky step: memory not flat over 2 steps: tensors ') &&
      e.message.includes('(+2 tensors, +2 buffers)') &&
      e.report.after[1].tensors - e.report.before.tensors === 2,
  );
  tf.dispose(kept);
});

test('expectFlatTensors sees buffers a kernel leaks without a tensor', async () => {
  const backend = tf.backend();
  const leaked: tf.DataId[] = [];
  await assert.rejects(
    expectFlatTensors(
      () => void leaked.push(backend.write(new Float32Array(3), [3], 'float32')),
      1,
    ),
    /\+0 tensors, \+1 buffers/,
  );
  for (const id of leaked) backend.disposeData(id);
});

test('countTensorsOver counts the net change and disposes a returned tensor', async () => {
  const kept: tf.Tensor[] = [];
  assert.deepEqual(
    await countTensorsOver(() => {
      kept.push(tf.zeros([1]));
      return tf.ones([3]);
    }),
    { tensors: 1, dataIds: 1 },
  );
  tf.dispose(kept);
});
