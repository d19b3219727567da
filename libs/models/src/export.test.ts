import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Wrn, wrnGraph, writeExport } from './index';
import { maxAbsDiff, randomizeBn, serveDirs, toNchw } from './testing/export-fixtures';

const SHAPE = [2, 11, 13, 3];
let dir: string;
let server: Server;
let url: string;
let model: Wrn;
let x: Float32Array;
let ours: Float32Array;

before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'abd-export-'));
  ({ server, url } = await serveDirs({ '/export/': dir }));
  model = new Wrn({ depth: 10, widen: 2, inChannels: 3, numClasses: 5 }, 'torch', 3);
  randomizeBn(model, 11);
  x = tf.tidy(() => tf.randomNormal(SHAPE, 0, 1, 'float32', 5).dataSync() as Float32Array);
  ours = tf.tidy(
    () =>
      model
        .forward(tf.tensor4d(x, SHAPE as [number, number, number, number]), { training: false })
        .logits.dataSync() as Float32Array,
  );
});

after(async () => {
  model.dispose();
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('export of a WRN student', () => {
  it('tfjs-layers: stock tf.loadLayersModel loads it over http and gives our logits', async () => {
    await writeExport(wrnGraph(model), 'tfjs-layers', join(dir, 'layers'));
    const m = await tfl.loadLayersModel(`${url}/export/layers/model.json`);
    const y = m.predict(tf.tensor4d(x, SHAPE as [number, number, number, number])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 5]);
    const d = maxAbsDiff(await y.data(), ours);
    assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
    // The taps are named layers of the export (a user can build a sub-model on them).
    const names = m.layers.map((l) => l.name);
    for (const t of ['g2.b0.bn1', 'g3.b0.bn1', 'bn']) assert.ok(names.includes(t), t);
    y.dispose();
    m.dispose();
  });

  it('tfjs-graph: stock tf.loadGraphModel loads it over http and gives our logits', async () => {
    await writeExport(wrnGraph(model), 'tfjs-graph', join(dir, 'graph'));
    const m = await tfl.loadGraphModel(`${url}/export/graph/model.json`);
    const y = m.predict(tf.tensor4d(x, SHAPE as [number, number, number, number])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 5]);
    const d = maxAbsDiff(await y.data(), ours);
    assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
    y.dispose();
    m.dispose();
  });

  it('onnx: passes onnx.checker and onnxruntime-node gives our logits', async () => {
    const [path] = await writeExport(wrnGraph(model), 'onnx', join(dir, 'onnx'));
    const check = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version)',
        path,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(check.status, 0, `onnx.checker: ${check.stderr}`);
    assert.equal(check.stdout.trim(), '13');
    const session = await ort.InferenceSession.create(await readFile(path));
    const [n, h, w, c] = SHAPE;
    const out = await session.run({
      input: new ort.Tensor('float32', toNchw(x, SHAPE), [n, c, h, w]),
    });
    assert.deepEqual(out.logits.dims, [2, 5]);
    const d = maxAbsDiff(out.logits.data as Float32Array, ours);
    assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
  });

  it('BN is exported with the running statistics, not batch statistics', async () => {
    // The same export on a batch of 1 must give the same logits as in a batch of 2.
    const [path] = await writeExport(wrnGraph(model), 'onnx', join(dir, 'onnx1'));
    const session = await ort.InferenceSession.create(await readFile(path));
    const [, h, w, c] = SHAPE;
    const one = toNchw(x.subarray(0, h * w * c), [1, h, w, c]);
    const out = await session.run({ input: new ort.Tensor('float32', one, [1, c, h, w]) });
    assert.ok(maxAbsDiff(out.logits.data as Float32Array, ours.subarray(0, 5)) <= 1e-4);
  });
});
