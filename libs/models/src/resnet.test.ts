import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  checkpointGraph,
  parseResNetName,
  ResNet,
  RESNET_NAMES,
  saveResNet,
  writeExport,
} from './index';
import { maxAbsDiff, randomizeBn, serveDirs, toNchw } from './testing/export-fixtures';

const SCRIPT = join(__dirname, '..', 'reference', 'resnet_param_counts.py');

/** Parameter counts of the PyTorch definitions (Debian python3-torch). */
function torchCounts(classes: number, channels: number): Record<string, number> {
  const r = spawnSync('/usr/bin/python3', [SCRIPT, String(classes), String(channels)], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `python3 ${SCRIPT}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number>;
}

before(async () => {
  await tf.setBackend('cpu');
});

describe('CIFAR ResNet students', () => {
  it('have the parameter counts of the PyTorch definitions (CIFAR-100 and a 1-channel, 7-class case)', () => {
    for (const [classes, channels] of [
      [100, 3],
      [7, 1],
    ]) {
      const ref = torchCounts(classes, channels);
      assert.deepEqual(Object.keys(ref).sort(), [...RESNET_NAMES].sort());
      for (const name of RESNET_NAMES) {
        const m = new ResNet({
          ...parseResNetName(name),
          inChannels: channels,
          numClasses: classes,
        });
        assert.equal(
          m.parameterCount(),
          ref[name],
          `${name} (${classes} classes, ${channels} channels)`,
        );
        m.dispose();
      }
    }
  });

  it('computes the logits of the PyTorch definition with the same weights (eval mode)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'abd-resnet-torch-'));
    try {
      for (const [name, classes, channels] of [
        ['resnet14', 10, 3],
        ['resnet8x4', 5, 1],
      ] as const) {
        const m = new ResNet(
          { ...parseResNetName(name), inChannels: channels, numClasses: classes },
          6,
        );
        randomizeBn(m, 7);
        const shape: [number, number, number, number] = [2, 16, 12, channels];
        const x = tf.tidy(
          () => tf.randomNormal(shape, 0, 1, 'float32', 9).dataSync() as Float32Array,
        );
        const ours = tf.tidy(
          () =>
            m.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
        );
        const tensors = [...m.params, ...m.stats];
        const flat = new Float32Array(tensors.reduce((s, [, v]) => s + v.size, 0));
        let off = 0;
        for (const [, v] of tensors) {
          flat.set(v.dataSync() as Float32Array, off);
          off += v.size;
        }
        await writeFile(join(dir, 'tensors.bin'), new Uint8Array(flat.buffer));
        await writeFile(join(dir, 'input.bin'), new Uint8Array(x.buffer));
        await writeFile(
          join(dir, 'spec.json'),
          JSON.stringify({
            name,
            classes,
            channels,
            shape,
            tensors: tensors.map(([k, v]) => [k, v.shape]),
          }),
        );
        m.dispose();
        const r = spawnSync(
          '/usr/bin/python3',
          [join(__dirname, '..', 'reference', 'resnet_forward.py'), dir],
          { encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        const torch = JSON.parse(r.stdout) as number[];
        assert.equal(torch.length, 2 * classes);
        assert.ok(
          maxAbsDiff(torch, ours) <= 1e-4,
          `${name}: max |Δlogit| ${maxAbsDiff(torch, ours)}`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects names and depths outside the family', () => {
    assert.throws(() => parseResNetName('resnet18'), /not a CIFAR ResNet name: 'resnet18'/);
    assert.throws(
      () => new ResNet({ depth: 9, widths: [16, 16, 32, 64], inChannels: 3, numClasses: 10 }),
      /6n\+2/,
    );
  });

  it('taps are the pre-ReLU stage outputs; the logits are fc(mean(relu(tap3)))', () => {
    const m = new ResNet({ ...parseResNetName('resnet14'), inChannels: 3, numClasses: 10 }, 1);
    randomizeBn(m, 2);
    tf.tidy(() => {
      const { logits, taps } = m.forward(
        tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D,
        { training: false },
      );
      assert.deepEqual(
        taps.map((t) => t.shape),
        [
          [2, 32, 32, 16],
          [2, 16, 16, 32],
          [2, 8, 8, 64],
        ],
      );
      for (const t of taps)
        assert.ok(t.min().dataSync()[0] < 0, 'a pre-activation has negative values');
      const expect = tf.add(
        tf.matMul(
          tf.mean(tf.relu(taps[2]), [1, 2]) as tf.Tensor2D,
          m.params.get('fc.w') as tf.Tensor2D,
        ),
        m.params.get('fc.b')!,
      );
      assert.ok(maxAbsDiff(expect.dataSync(), logits.dataSync()) < 1e-5);
    });
    m.dispose();
  });
});

describe('export of a ResNet student (through its checkpoint)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abd-resnet-export-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('tfjs-layers, tfjs-graph and ONNX exports give our logits in stock tfjs and onnxruntime; ONNX passes onnx.checker', async () => {
    const m = new ResNet({ ...parseResNetName('resnet8x4'), inChannels: 3, numClasses: 6 }, 5);
    randomizeBn(m, 8);
    const shape: [number, number, number, number] = [2, 15, 18, 3];
    const x = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 4).dataSync() as Float32Array);
    const ours = tf.tidy(
      () => m.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
    );
    const ser = await saveResNet(m, { role: 'student' });
    m.dispose();
    const graph = checkpointGraph(JSON.stringify(ser.json), ser.weights, 'test');
    assert.equal(graph.name, 'resnet8x4');
    assert.deepEqual(graph.taps, ['layer1.0.add', 'layer2.0.add', 'layer3.0.add']);

    await writeExport(graph, 'tfjs-layers', join(dir, 'layers'));
    const { server, url } = await serveDirs({ '/': dir });
    try {
      const lm = await tfl.loadLayersModel(`${url}/layers/model.json`);
      const y = lm.predict(tf.tensor4d(x, shape)) as tf.Tensor;
      assert.ok(maxAbsDiff(await y.data(), ours) <= 1e-4);
      y.dispose();
      lm.dispose();
      await writeExport(graph, 'tfjs-graph', join(dir, 'graph'));
      const gm = await tfl.loadGraphModel(`${url}/graph/model.json`);
      const z = gm.predict(tf.tensor4d(x, shape)) as tf.Tensor;
      assert.ok(maxAbsDiff(await z.data(), ours) <= 1e-4);
      z.dispose();
    } finally {
      server.close();
    }

    const [path] = await writeExport(graph, 'onnx', join(dir, 'onnx'));
    const check = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
        path,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(check.status, 0, check.stderr);
    const session = await ort.InferenceSession.create(await readFile(path));
    const out = await session.run({
      input: new ort.Tensor('float32', toNchw(x, shape), [2, 3, 15, 18]),
    });
    assert.ok(maxAbsDiff(out.logits.data as Float32Array, ours) <= 1e-4);
  });
});
