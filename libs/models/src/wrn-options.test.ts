import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from './wrn';

before(async () => {
  await initBackend();
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('plainBn gives the same train-mode outputs and running statistics as the default BN', () => {
  const a = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
  const b = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
  const x = tf.randomNormal([4, 12, 12, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const ra = tf.tidy(() => {
    const o = a.forward(x, { training: true });
    return [o.logits, ...o.taps];
  });
  const rb = tf.tidy(() => {
    const o = b.forward(x, { training: true, plainBn: true });
    return [o.logits, ...o.taps];
  });
  ra.forEach((t, i) =>
    assert.ok(maxAbsDiff(t, rb[i]) < 1e-4, `output ${i} differs by ${maxAbsDiff(t, rb[i])}`),
  );
  for (const [k, v] of a.stats)
    assert.ok(maxAbsDiff(v, b.stats.get(k)!) < 1e-5, `running stat ${k}`);
  tf.dispose([x, ...ra, ...rb]);
  a.dispose();
  b.dispose();
});

test('groupMaps returns the maps entering and leaving each group', () => {
  const m = new Wrn({ depth: 10, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const x = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const shapes = tf.tidy(() =>
    m.forward(x, { training: false, groupMaps: true }).groups!.map((g) => g.shape),
  );
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(shapes, [
    [2, 8, 8, 16],
    [2, 8, 8, 32],
    [2, 8, 8, 32],
    [2, 4, 4, 64],
    [2, 4, 4, 64],
    [2, 2, 2, 128],
  ]);
  const hasGroups = tf.tidy(() => m.forward(x, { training: false }).groups !== undefined);
  assert.equal(hasGroups, false);
  tf.dispose(x);
  m.dispose();
});
