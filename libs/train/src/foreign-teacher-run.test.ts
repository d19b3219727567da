// A user's tfjs LayersModel as the teacher of a ResNet student, in-process: the batches carry ρ of
// the model's own tapped outputs, a tap of another height × width is matched by the resize rule,
// and a run cancelled inside the AB stage resumes to the same weights (ResNet stage checkpoints).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs';
import { openStore } from '@abd/artifacts';
import { normalize } from '@abd/data';
import { loadForeignTeacher } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { LocalBatchSource } from './batch-source';
import { getStudentCheckpoint } from './checkpoints';
import { loadRunData, runPipeline } from './run';
import { validateRunConfig } from './run-config';
import { tempDir, writeBandDataset } from './testing/fixture';

const tmp = tempDir();
const teacherDir = join(tmp.dir, 'teacher');

/** A Keras-style CNN on 28×28×1 (10 classes); `pre` (28×28×5, pre-ReLU) is its one tap. */
async function saveTeacher(): Promise<tfl.LayersModel> {
  const x = tfl.input({ shape: [28, 28, 1] });
  const pre = tfl.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'pre', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(x) as tfl.SymbolicTensor;
  const h = tfl.layers.globalAveragePooling2d({}).apply(tfl.layers.reLU({}).apply(pre)) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  mkdirSync(teacherDir, { recursive: true });
  await model.save(
    tfl.io.withSaveHandler(async (a) => {
      writeFileSync(join(teacherDir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      writeFileSync(join(teacherDir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}

let model: tfl.LayersModel;
before(async () => {
  await initBackend();
  writeBandDataset(tmp.dir, 60, 20);
  model = await saveTeacher();
});
after(() => {
  model.dispose();
  tmp.cleanup();
});

const cfg = () =>
  validateRunConfig({
    name: 'test/foreign',
    dataset: { name: 'fashion-mnist', dir: tmp.dir, subset: { count: 40, seed: 0 } },
    teacher: { format: 'tfjs-layers', path: teacherDir, taps: ['pre'] },
    student: { arch: 'resnet-8' },
    methods: ['ab+kd'],
    epochs: { e1: 2, e2: 1 },
    train: { batchSize: 10 },
  });

test("the batch source's sign maps and logits of a tfjs teacher are ρ of the model's own outputs", async () => {
  const c = cfg();
  const d = await loadRunData(c);
  const teacher = await loadForeignTeacher(teacherDir, { taps: ['pre'] });
  const source = new LocalBatchSource({ set: d.train, indices: d.indices, stats: d.stats, batchSize: 10, seed: 1, augment: null, teacher });
  const probe = tfl.model({ inputs: model.inputs, outputs: [model.outputs[0], model.getLayer('pre').output as tfl.SymbolicTensor] });
  let batches = 0;
  for await (const b of source.epoch(0, { signs: true, logits: true })) {
    const x = tfl.tensor4d(normalize(b.images, b.n, 28, 28, 1, d.stats), [b.n, 28, 28, 1]);
    const [logits, pre] = probe.predict(x) as tfl.Tensor[];
    const want = Array.from(await pre.data(), (v) => (v > 0 ? 1 : 0));
    assert.deepEqual(b.signShapes, [[b.n, 28, 28, 5]]);
    assert.deepEqual(Array.from(b.signs![0]), want);
    assert.ok(want.includes(0) && want.includes(1));
    assert.deepEqual(Array.from(b.teacherLogits!), Array.from(await logits.data()));
    tfl.dispose([x, logits, pre]);
    batches++;
  }
  assert.equal(batches, 4);
  teacher.dispose();
});

async function weightsOf(storeDir: string, key: string): Promise<Float32Array> {
  const ck = await getStudentCheckpoint(openStore(storeDir), key);
  const flat = tf.tidy(() => tf.concat([...ck.model.params.values()].map((v) => tf.reshape(v, [-1]))).dataSync() as Float32Array);
  ck.model.dispose();
  for (const t of ck.extra.values()) t.dispose();
  return flat;
}

test('resnet-8 learns the 28×28 tap from its 7×7 stage-3 map (resized); cancelled inside the AB stage it resumes to the same weights', async () => {
  const c = cfg();
  const data = await loadRunData(c);
  const a = join(tmp.dir, 'store-a');
  const full = await runPipeline(c, { store: openStore(a), runId: 'r' }, data);
  assert.equal(full.cancelled, false);
  assert.equal(full.teacher.arch, 'tfjs-layers teacher');
  // One teacher tap: paired with the student's last (stage 3); similarity per epoch of the pair.
  const sim = full.results[0].similarity!;
  assert.equal(sim.length, 1);
  assert.ok(sim[0] > 0 && sim[0] < 1, `similarity ${sim[0]}`);
  const ck = await openStore(a).getJson<{ modelTopology: { class_name: string } }>('runs/r/ab+kd/final/model.json');
  assert.equal(ck.modelTopology.class_name, 'ResNet');

  const b = join(tmp.dir, 'store-b');
  const ctl = new AbortController();
  let steps = 0;
  const first = await runPipeline(c, { store: openStore(b), runId: 'r', signal: ctl.signal, onEvent: (e) => e.type === 'step' && e.stage === 'ab-init' && ++steps === 5 && ctl.abort() }, data);
  assert.equal(first.cancelled, true);
  const pointer = await openStore(b).getJson<{ epoch: number; partial?: boolean }>('runs/r/ab+kd/ab-init/latest.json');
  assert.deepEqual([pointer.epoch, pointer.partial], [1, true]);
  const second = await runPipeline(c, { store: openStore(b), runId: 'r' }, data);
  assert.equal(second.cancelled, false);
  const wa = await weightsOf(a, 'runs/r/ab+kd/final');
  const wb = await weightsOf(b, 'runs/r/ab+kd/final');
  assert.equal(wa.length, wb.length);
  let maxDiff = 0;
  for (let i = 0; i < wa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wa[i] - wb[i]));
  assert.equal(maxDiff, 0, `weights differ by up to ${maxDiff}`);
});
