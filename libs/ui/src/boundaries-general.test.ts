// The boundary page beyond WRN on both sides: a ResNet student of a user's tfjs teacher, whose one
// tap (28×28) pairs with the student's last stage (7×7) through the connector and the resize rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { openStore } from '@abd/artifacts';
import { normalize } from '@abd/data';
import { saveTinyTfjsTeacher } from '@abd/models/testing';
import { initBackend } from '@abd/tensor';
import { runPipeline, validateRunConfig } from '@abd/train';
import { tempDir, writeBandDataset } from '@abd/train/testing';
import { BoundaryCache, computeBoundaries, studentCheckpointDir } from './boundaries';

const tmp = tempDir('abd-ui-general-');
const teacherDir = join(tmp.dir, 'teacher');
let model: tfl.LayersModel;

before(async () => {
  await initBackend();
  writeBandDataset(tmp.dir, 40, 20);
  model = await saveTinyTfjsTeacher(tfl, teacherDir);
});
after(() => {
  model.dispose();
  tmp.cleanup();
});

test("a ResNet student of a tfjs teacher: the teacher's map is ρ of its own tap, the student's is paired, connected and resized", async () => {
  const cfg = validateRunConfig({
    name: 'test/ui-general',
    dataset: { name: 'fashion-mnist', dir: tmp.dir, subset: { count: 20, seed: 0 } },
    teacher: { format: 'tfjs-layers', path: teacherDir, taps: ['pre'] },
    student: { arch: 'resnet-8' },
    methods: ['ab+kd'],
    epochs: { e1: 1, e2: 1 },
    train: { batchSize: 10 },
  });
  const store = openStore(join(tmp.dir, 'store'));
  const run = await runPipeline(cfg, { store, runId: 'r' });
  assert.equal(run.cancelled, false);
  const cache = new BoundaryCache(store, tmp.dir);
  const before = tf.memory().numTensors;
  for (const which of ['ab-init', 'final'] as const) {
    const dir = await studentCheckpointDir(store, 'r', 'ab+kd', which);
    assert.ok(dir, `${which} checkpoint`);
    const v = await computeBoundaries(cache, 'r', cfg, dir, 3);
    assert.equal(v.taps.length, 1);
    const [tap] = v.taps;
    assert.deepEqual([tap.name, tap.height, tap.width, tap.channels], ['pre', 28, 28, 5]);
    // The teacher side is ρ of the model's own `pre` output on that test image.
    const { test: testSet, stats } = await cache.data(cfg);
    const px = testSet.images.subarray(3 * 784, 4 * 784);
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('pre').output as tfl.SymbolicTensor,
    });
    const x = tfl.tensor4d(normalize(px, 1, 28, 28, 1, stats), [1, 28, 28, 1]);
    const pre = probe.predict(x) as tfl.Tensor;
    assert.deepEqual(
      Array.from(tap.teacher),
      Array.from(await pre.data(), (p) => (p > 0 ? 1 : 0)),
    );
    tfl.dispose([x, pre]);
    if (which === 'ab-init') {
      // The AB stage's checkpoint has the connector: the student's map is shown at the teacher's size.
      assert.equal(tap.student?.length, 28 * 28 * 5);
      assert.match(tap.via, /connector r: 64 → 5 channels/);
      assert.match(tap.via, /resized bilinearly from the student's 7×7 to 28×28; student tap 3/);
    } else {
      assert.equal(tap.student, undefined);
      assert.match(tap.via, /not shown: the student has 64 channels, the teacher 5/);
    }
    assert.ok(v.studentPred >= 0 && v.studentPred < 10);
    assert.ok(v.teacherPred >= 0 && v.teacherPred < 10);
  }
  // Both models stay cached (no tensors per view beyond the cached models').
  const after1 = tf.memory().numTensors;
  const dir = (await studentCheckpointDir(store, 'r', 'ab+kd', 'ab-init'))!;
  await computeBoundaries(cache, 'r', cfg, dir, 5);
  assert.equal(tf.memory().numTensors, after1);
  assert.ok(after1 >= before);
  cache.dispose();
});
