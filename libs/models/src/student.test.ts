import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { loadStudent, ResNet, saveStudent, StudentModel, studentOf, Wrn } from './index';
import { maxAbsDiff, randomizeBn } from './testing/export-fixtures';

before(async () => {
  await tf.setBackend('cpu');
});

test('studentOf builds either family by name; a saved student loads back with the same logits', async () => {
  const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  for (const [arch, cls] of [
    ['wrn-10-1', Wrn],
    ['resnet8', ResNet],
  ] as const) {
    const m: StudentModel = studentOf(arch, 3, 4, 'torch', 2);
    assert.ok(m instanceof cls, arch);
    randomizeBn(m, 3);
    const ser = await saveStudent(m as Wrn | ResNet, { role: 'student' });
    const back = loadStudent(JSON.stringify(ser.json), ser.weights, arch);
    assert.ok(back instanceof cls);
    const [a, b] = tf.tidy(() => [
      m.forward(x, { training: false }).logits.dataSync(),
      back.forward(x, { training: false }).logits.dataSync(),
    ]);
    assert.equal(maxAbsDiff(a, b), 0);
    m.dispose();
    back.dispose();
  }
  assert.throws(() => studentOf('resnet18', 3, 4, 'torch', 0), /not a CIFAR ResNet name/);
  const r = studentOf('resnet8', 3, 4, 'torch', 0);
  assert.throws(
    () => r.forward(x, { training: true, groupMaps: true }),
    /group maps are not available for ResNet students/,
  );
  r.dispose();
  x.dispose();
});
