// A user's tfjs LayersModel architecture as the student of `abd run`, exported by `abd export` as a
// tfjs LayersModel that stock tf.loadLayersModel runs with the student's logits.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadTfjsStudent } from '@abd/models';
import { maxAbsDiff, saveLayersModel, serveDirs } from '@abd/models/testing';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-tfjs-student-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
  });

/** conv → BN (a tap) → ReLU → pool → dense on 28×28×1, 10 classes. */
function net(filters: number, seed: number): tfl.LayersModel {
  const x = tfl.input({ shape: [28, 28, 1] });
  let h = tfl.layers
    .conv2d({
      filters,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 'bn' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers
    .globalAveragePooling2d({ name: 'gap' })
    .apply(tfl.layers.reLU({ name: 'relu' }).apply(h)) as tfl.SymbolicTensor;
  return tfl.model({
    inputs: x,
    outputs: tfl.layers
      .dense({
        units: 10,
        name: 'fc',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      })
      .apply(h) as tfl.SymbolicTensor,
  });
}

before(async () => {
  await tf.setBackend('cpu');
  writeBandDataset(tmp.dir, 40, 20);
  for (const [dir, filters, seed] of [
    ['teacher', 6, 1],
    ['student', 3, 3],
  ] as const) {
    const m = net(filters, seed);
    await saveLayersModel(tfl, m, join(tmp.dir, dir));
    m.dispose();
  }
});
after(() => tmp.cleanup());

test('abd run trains a tfjs-layers student architecture; abd export writes it back for stock tf.loadLayersModel (ONNX refused, saying why)', async () => {
  const cfg = join(tmp.dir, 'own.yaml');
  writeFileSync(
    cfg,
    [
      'name: own-student',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir} }`,
      `teacher: { format: tfjs-layers, path: ${join(tmp.dir, 'teacher')}, taps: [bn] }`,
      `student: { format: tfjs-layers, path: ${join(tmp.dir, 'student')}, taps: [bn] }`,
      'methods: [ab+kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 10 }',
      '',
    ].join('\n'),
  );
  const r = abd('run', cfg, '--quiet');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(
    r.stdout.trim().split('\n').at(-1)!,
    /export one with: abd export own-student\/ab\+kd/,
  );
  const final = join(tmp.dir, '.abd', 'store', 'runs', 'own-student', 'ab+kd', 'final');
  const { model, extra } = await loadTfjsStudent(
    readFileSync(join(final, 'model.json'), 'utf8'),
    readFileSync(join(final, 'weights.bin')),
  );
  for (const t of extra.values()) t.dispose();
  const shape: [number, number, number, number] = [2, 28, 28, 1];
  const x = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 2).dataSync() as Float32Array);
  const ours = tf.tidy(
    () =>
      model.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
  );
  model.dispose();

  const onnx = abd('export', 'own-student/ab+kd', '--format', 'onnx', '--out', 'o-onnx');
  assert.equal(onnx.status, 2);
  assert.match(
    onnx.stderr,
    /a tfjs-layers student \(a user's architecture\) exports as tfjs-layers only/,
  );
  const out = abd('export', 'own-student/ab+kd', '--format', 'tfjs-layers', '--out', 'o-layers');
  assert.equal(out.status, 0, out.stderr);
  const meta = JSON.parse(
    readFileSync(join(tmp.dir, 'o-layers', 'model.json'), 'utf8'),
  ).userDefinedMetadata;
  assert.deepEqual(meta.taps, ['bn']);
  assert.deepEqual(
    meta.normalization,
    JSON.parse(
      readFileSync(join(tmp.dir, '.abd', 'store', 'runs', 'own-student', 'data.json'), 'utf8'),
    ).normalization,
  );
  const { server, url } = await serveDirs({ '/m/': join(tmp.dir, 'o-layers') });
  try {
    const m = await tfl.loadLayersModel(`${url}/m/model.json`);
    const y = m.predict(tfl.tensor4d(x, shape)) as tfl.Tensor;
    const d = maxAbsDiff(await y.data(), ours);
    assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
  } finally {
    server.close();
  }
});
