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
import { unpackSigns } from '@abd/distill';
import { loadForeignTeacher, loadTfjsStudentArch } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { LocalBatchSource } from './batch-source';
import { getStudentCheckpoint } from './checkpoints';
import { loadRunData, runPipeline, type RunData, type RunResult } from './run';
import { type RunConfig, validateRunConfig } from './run-config';
import { tempDir, writeBandDataset } from './testing/fixture';
import { assertSameWeights, storedWeights } from './testing/weights';
import { saveTinyTfjsTeacher } from '@abd/models/testing';

const tmp = tempDir();
const teacherDir = join(tmp.dir, 'teacher');

let model: tfl.LayersModel;
before(async () => {
  await initBackend();
  writeBandDataset(tmp.dir, 60, 20);
  model = await saveTinyTfjsTeacher(tfl, teacherDir);
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
  const source = new LocalBatchSource({
    set: d.train,
    indices: d.indices,
    stats: d.stats,
    batchSize: 10,
    seed: 1,
    augment: null,
    teacher,
  });
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: [model.outputs[0], model.getLayer('pre').output as tfl.SymbolicTensor],
  });
  let batches = 0;
  for await (const b of source.epoch(0, { signs: true, logits: true })) {
    const x = tfl.tensor4d(normalize(b.images, b.n, 28, 28, 1, d.stats), [b.n, 28, 28, 1]);
    const [logits, pre] = probe.predict(x) as tfl.Tensor[];
    const want = Array.from(await pre.data(), (v) => (v > 0 ? 1 : 0));
    assert.deepEqual(b.signShapes, [[b.n, 28, 28, 5]]);
    assert.deepEqual(Array.from(unpackSigns(b.signBits![0], [b.n, 28, 28, 5])), want);
    assert.ok(want.includes(0) && want.includes(1));
    assert.deepEqual(Array.from(b.teacherLogits!), Array.from(await logits.data()));
    tfl.dispose([x, logits, pre]);
    batches++;
  }
  assert.equal(batches, 4);
  teacher.dispose();
});

/** Runs `c` into the store at `dir` as run `r`, aborted at its `n`th step (of `stage` when given). */
function runCancelledAtStep(
  c: RunConfig,
  dir: string,
  data: RunData,
  n: number,
  stage?: string,
): Promise<RunResult> {
  const ctl = new AbortController();
  let steps = 0;
  return runPipeline(
    c,
    {
      store: openStore(dir),
      runId: 'r',
      signal: ctl.signal,
      onEvent: (e) =>
        e.type === 'step' &&
        (stage === undefined || e.stage === stage) &&
        ++steps === n &&
        ctl.abort(),
    },
    data,
  );
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
  const ck = await openStore(a).getJson<{ modelTopology: { class_name: string } }>(
    'runs/r/ab+kd/final/model.json',
  );
  assert.equal(ck.modelTopology.class_name, 'ResNet');

  const b = join(tmp.dir, 'store-b');
  const first = await runCancelledAtStep(c, b, data, 5, 'ab-init');
  assert.equal(first.cancelled, true);
  const pointer = await openStore(b).getJson<{ epoch: number; partial?: boolean }>(
    'runs/r/ab+kd/ab-init/latest.json',
  );
  assert.deepEqual([pointer.epoch, pointer.partial], [1, true]);
  const second = await runPipeline(c, { store: openStore(b), runId: 'r' }, data);
  assert.equal(second.cancelled, false);
  assertSameWeights(
    await storedWeights(a, 'runs/r/ab+kd/final'),
    await storedWeights(b, 'runs/r/ab+kd/final'),
  );
});

/** A student architecture file: conv-BN-ReLU ×2 (the BN outputs are its taps) → pool → dense, 28×28×1 → 10. */
function saveStudentArch(dir: string): void {
  const x = tfl.input({ shape: [28, 28, 1] });
  let h = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 's1' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reLU({ name: 'r1' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'c2' })
    .apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 's2' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reLU({ name: 'r2' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: 10, name: 'fc' }).apply(h) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: x, outputs: y });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      modelTopology: m.toJSON(undefined, false),
      weightsManifest: [],
    }),
  );
  m.dispose();
}

test('a tfjs LayersModel architecture file as the student: trained with AB + KD from seeded weights, resumed exactly, saved back for stock tf.loadLayersModel', async () => {
  const arch = join(tmp.dir, 'student-arch');
  saveStudentArch(arch);
  const c = validateRunConfig({
    ...cfg(),
    student: { format: 'tfjs-layers', path: arch, taps: ['s1', 's2'] },
  });
  assert.equal(c.student.arch, 'tfjs-layers student-arch');
  const data = await loadRunData(c);
  const a = join(tmp.dir, 'store-tfjs-a');
  const full = await runPipeline(c, { store: openStore(a), runId: 'r' }, data);
  assert.equal(full.cancelled, false);
  // The teacher's one tap (28×28) pairs with the student's last (s2, 14×14, resized).
  assert.equal(full.results[0].similarity?.length, 1);
  const b = join(tmp.dir, 'store-tfjs-b');
  const first = await runCancelledAtStep(c, b, data, 6);
  assert.equal(first.cancelled, true);
  await runPipeline(c, { store: openStore(b), runId: 'r' }, data);
  const [wa, wb] = [
    await storedWeights(a, 'runs/r/ab+kd/final'),
    await storedWeights(b, 'runs/r/ab+kd/final'),
  ];
  assert.ok(wa.length > 100);
  // Trained: the weights moved away from the seeded start (which is the same for the same seed).
  const init = await loadTfjsStudentArch(arch, ['s1', 's2'], c.student.seed, {
    height: 28,
    width: 28,
    channels: 1,
    classes: 10,
  });
  const w0 = tf.tidy(
    () =>
      tf
        .concat([...init.params.values()].map((v) => tf.reshape(v, [-1])))
        .dataSync() as Float32Array,
  );
  const again = await loadTfjsStudentArch(arch, ['s1', 's2'], c.student.seed, {
    height: 28,
    width: 28,
    channels: 1,
    classes: 10,
  });
  assert.deepEqual(
    tf.tidy(() =>
      Array.from(tf.concat([...again.params.values()].map((v) => tf.reshape(v, [-1]))).dataSync()),
    ),
    Array.from(w0),
  );
  init.dispose();
  again.dispose();
  assert.equal(w0.length, wa.length);
  let moved = 0;
  for (let i = 0; i < wa.length; i++) moved = Math.max(moved, Math.abs(wa[i] - w0[i]));
  assert.ok(moved > 1e-3, `the weights moved by at most ${moved}`);
  assertSameWeights(wa, wb);

  const ck = await getStudentCheckpoint(openStore(a), 'runs/r/ab+kd/final');
  assert.equal(ck.json.modelTopology.class_name, 'TfjsLayers');
  const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const ours = tf.tidy(
    () => ck.model.forward(x, { training: false }).logits.dataSync() as Float32Array,
  );
  const files = await (ck.model as import('@abd/models').TfjsLayersStudent).saveLayers();
  const stock = await tfl.loadLayersModel(
    tfl.io.fromMemory({
      modelTopology: files.modelJson.modelTopology as object,
      weightSpecs: (
        files.modelJson.weightsManifest as Array<{ weights: tfl.io.WeightsManifestEntry[] }>
      )[0].weights,
      weightData: files.weights.buffer.slice(
        files.weights.byteOffset,
        files.weights.byteOffset + files.weights.byteLength,
      ) as ArrayBuffer,
    }),
  );
  const theirs = (await (
    stock.predict(x as unknown as tfl.Tensor) as tfl.Tensor
  ).data()) as Float32Array;
  let d = 0;
  for (let i = 0; i < ours.length; i++) d = Math.max(d, Math.abs(ours[i] - theirs[i]));
  assert.ok(d <= 1e-5, `max |Δlogit| ${d}`);
  stock.dispose();
  ck.model.dispose();
  x.dispose();
});
