import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tfl from '@tensorflow/tfjs';
import { channelStats, loadDataset } from '@abd/data';
import { loadWrn } from '@abd/models';
import { shellQuote } from './confirm';
import { maxAbsDiff, serveDirs, toNchw } from '@abd/models/testing';
import { tempDir, writeBandDataset } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const tmp = tempDir('abd-export-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
  });

before(async () => {
  await tf.setBackend('cpu');
  writeBandDataset(tmp.dir, 60, 20);
});
after(() => tmp.cleanup());

test("abd run names its students and the export command; that command writes models stock runtimes run with the student's logits", async () => {
  const cfg = join(tmp.dir, 'tiny.yaml');
  writeFileSync(
    cfg,
    [
      'name: export-tiny',
      `dataset: { name: fashion-mnist, dir: ${tmp.dir}, subset: { count: 20, seed: 0 } }`,
      'teacher: { arch: wrn-10-1, epochs: 1 }',
      'student: { arch: wrn-10-1 }',
      'methods: [kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 10 }',
      '',
    ].join('\n'),
  );
  const r = abd('run', cfg, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.trim().split('\n').at(-1)!;
  // The export hint is a command to paste: one format, the store named (the default one is per directory).
  const store = `file://${join(tmp.dir, '.abd', 'store')}`;
  assert.equal(
    last,
    `Students: ${store}/runs/export-tiny/{kd}/final; export one with: abd export export-tiny/kd --format onnx --out export-tiny-kd --store ${shellQuote(store)} (formats: tfjs-layers, tfjs-graph, onnx)`,
  );
  const hint = /export one with: abd (.*) \(formats/.exec(last)![1].split(' ');
  const report = readFileSync(
    join(tmp.dir, '.abd', 'store', 'runs', 'export-tiny', 'report.md'),
    'utf8',
  );
  assert.ok(report.includes(last), 'the report names the students too');

  const final = join(tmp.dir, '.abd', 'store', 'runs', 'export-tiny', 'kd', 'final');
  const { model } = loadWrn(
    readFileSync(join(final, 'model.json'), 'utf8'),
    readFileSync(join(final, 'weights.bin')),
  );
  const shape: [number, number, number, number] = [3, 28, 28, 1];
  const x = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 1).dataSync() as Float32Array);
  const ours = tf.tidy(
    () =>
      model.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
  );
  model.dispose();

  // The hint, pasted in another directory (whose default store is empty), exports the student.
  const elsewhere = join(tmp.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const onnx = spawnSync(process.execPath, [ABD, ...hint], {
    encoding: 'utf8',
    cwd: elsewhere,
    env: { ...process.env, ABD_STORE: '' },
  });
  assert.equal(onnx.status, 0, onnx.stderr);
  assert.match(onnx.stdout, /exported wrn-10-1 \(1 input channels, 10 classes\)/);
  cpSync(join(elsewhere, 'export-tiny-kd'), join(tmp.dir, 'out-onnx'), { recursive: true });
  const session = await ort.InferenceSession.create(
    readFileSync(join(tmp.dir, 'out-onnx', 'model.onnx')),
  );
  const out = await session.run({
    input: new ort.Tensor('float32', toNchw(x, shape), [3, 1, 28, 28]),
  });
  assert.ok(maxAbsDiff(out.logits.data as Float32Array, ours) <= 1e-4);

  const layers = abd('export', 'export-tiny/kd', '--format', 'tfjs-layers', '--out', 'out-layers');
  assert.equal(layers.status, 0, layers.stderr);
  // The statistics the run normalized with travel in the export's metadata.
  const stats = channelStats(await loadDataset('fashion-mnist', 'train', { dir: tmp.dir }));
  const meta = JSON.parse(
    readFileSync(join(tmp.dir, 'out-layers', 'model.json'), 'utf8'),
  ).userDefinedMetadata;
  assert.deepEqual(meta.normalization, stats);
  const props = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import onnx, sys, json; print(json.dumps({p.key: p.value for p in onnx.load(sys.argv[1]).metadata_props}))',
      join(tmp.dir, 'out-onnx', 'model.onnx'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(props.status, 0, props.stderr);
  assert.deepEqual(JSON.parse(JSON.parse(props.stdout).normalization), stats);
  // Exported before the server starts: a blocking spawn while it holds a kept-alive connection
  // lets the server's idle timer close it under the client's next request (ECONNRESET).
  const graph = abd(
    'export',
    'export-tiny/kd',
    '--format',
    'tfjs-graph',
    '--out',
    'out-layers/graph',
  );
  assert.equal(graph.status, 0, graph.stderr);
  const { server, url } = await serveDirs({ '/m/': join(tmp.dir, 'out-layers') });
  try {
    const m = await tfl.loadLayersModel(`${url}/m/model.json`);
    const y = m.predict(tf.tensor4d(x, shape)) as tf.Tensor;
    assert.ok(maxAbsDiff(await y.data(), ours) <= 1e-4);
    const gm = await tfl.loadGraphModel(`${url}/m/graph/model.json`);
    const z = gm.predict(tf.tensor4d(x, shape)) as tf.Tensor;
    assert.ok(maxAbsDiff(await z.data(), ours) <= 1e-4);
  } finally {
    server.close();
  }
});

test('abd export fails with a usage error naming the finished students, or the bad format', () => {
  const bad = abd('export', 'export-tiny/ab+kd', '--format', 'onnx', '--out', 'x');
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /no student at .*runs\/export-tiny\/ab\+kd\/final \(finished students of run export-tiny: kd\)/,
  );
  const fmt = abd('export', 'export-tiny/kd', '--format', 'pt', '--out', 'x');
  assert.equal(fmt.status, 2);
  assert.match(fmt.stderr, /--format must be one of tfjs-layers, tfjs-graph, onnx; got 'pt'/);
});
