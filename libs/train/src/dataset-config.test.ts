import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { openStore } from '@abd/artifacts';
import { initBackend } from '@abd/tensor';
import { getCheckpoint } from './checkpoints';
import { parseRunConfig, validateRunConfig } from './run-config';
import { runPipeline } from './run';
import { tempDir } from './testing/fixture';

const base = `name: t\nteacher: { arch: wrn-10-1 }\nstudent: { arch: wrn-10-1 }\n`;

test('dataset: a built-in name as before, or format + path with its own rules', () => {
  const builtIn = parseRunConfig(base);
  assert.deepEqual(builtIn.dataset, { name: 'fashion-mnist' });
  assert.deepEqual(
    Object.keys(parseRunConfig(`${base}dataset: { dir: /d, subset: { count: 5 } }\n`).dataset),
    ['name', 'dir', 'subset'],
  );
  assert.throws(
    () => parseRunConfig(`${base}dataset: { name: imagenet }\n`),
    /'dataset\.name' must be one of fashion-mnist, mnist, cifar10/,
  );
  const npz = parseRunConfig(
    `${base}dataset: { format: npz, path: /data/flowers.npz, layout: nchw }\n`,
  );
  assert.deepEqual(npz.dataset, {
    name: 'flowers.npz',
    format: 'npz',
    path: '/data/flowers.npz',
    layout: 'nchw',
  });
  assert.equal(
    parseRunConfig(`${base}dataset: { name: pets, format: image-folder, path: /data/pets/ }\n`)
      .dataset.name,
    'pets',
  );
  assert.throws(
    () => parseRunConfig(`${base}dataset: { format: npy, path: /d }\n`),
    /needs 'dataset\.layout' \(nhwc or nchw\)/,
  );
  assert.throws(
    () => parseRunConfig(`${base}dataset: { format: idx, path: /d, layout: nhwc }\n`),
    /'dataset\.layout' is only for npy and npz/,
  );
  assert.throws(() => parseRunConfig(`${base}dataset: { format: idx }\n`), /needs 'dataset\.path'/);
  assert.throws(
    () => parseRunConfig(`${base}dataset: { path: /d }\n`),
    /'dataset\.path' needs 'dataset\.format'/,
  );
  assert.throws(
    () => parseRunConfig(`${base}dataset: { format: tfrecord, path: /d }\n`),
    /'dataset\.format' must be one of idx, cifar-binary, image-folder, npy, npz/,
  );
  assert.throws(
    () =>
      parseRunConfig(
        `${base}dataset: { format: idx, path: /d, shape: { height: 2, width: 2, channels: 1 } }\n`,
      ),
    /only for cifar-binary/,
  );
});

const tmp = tempDir();
const CLASSES = ['a', 'b', 'c', 'd', 'e'];
const [H, W] = [12, 16];
before(async () => {
  await initBackend();
  // Each class a distinct colour band position, with per-image noise: learnable but tiny.
  for (const [split, per] of [
    ['train', 4],
    ['test', 2],
  ] as const) {
    for (let c = 0; c < CLASSES.length; c++) {
      const dir = join(tmp.dir, 'imgs', split, CLASSES[c]);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < per; i++) {
        const px = Buffer.alloc(H * W * 3);
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++)
            for (let ch = 0; ch < 3; ch++)
              px[(y * W + x) * 3 + ch] =
                (Math.floor(x / 3) === c ? 200 : 30) + ((i * 13 + y * 7 + ch) % 20);
        const img = sharp(px, { raw: { width: W, height: H, channels: 3 } });
        await (i % 2 ? img.jpeg({ quality: 95 }) : img.png()).toFile(
          join(dir, `${i}.${i % 2 ? 'jpg' : 'png'}`),
        );
      }
    }
  }
});
after(() => tmp.cleanup());

test('a run on a 5-class 12×16 RGB image folder builds 3-channel, 5-way models and completes', async () => {
  const cfg = validateRunConfig({
    name: 'test/folder',
    dataset: {
      format: 'image-folder',
      path: join(tmp.dir, 'imgs'),
      subset: { count: 10, seed: 0 },
    },
    teacher: { arch: 'wrn-10-1', epochs: 1 },
    student: { arch: 'wrn-10-1' },
    methods: ['ab+kd'],
    epochs: { e1: 1, e2: 1 },
    train: { batchSize: 8 },
  });
  const storeDir = join(tmp.dir, 'store');
  const r = await runPipeline(cfg, { store: openStore(storeDir), runId: 'f' });
  assert.equal(r.cancelled, false);
  assert.equal(r.trainSize, 10);
  assert.equal(r.results[0].method, 'ab+kd');
  assert.equal(r.results[0].total, 10);
  const data = (await openStore(storeDir).getJson('runs/f/data.json')) as {
    classNames: string[];
    height: number;
    width: number;
    channels: number;
    normalization: { mean: number[] };
  };
  assert.deepEqual([data.height, data.width, data.channels, data.classNames], [H, W, 3, CLASSES]);
  assert.equal(data.normalization.mean.length, 3);
  const ck = await getCheckpoint(openStore(storeDir), 'runs/f/ab+kd/final');
  assert.deepEqual(ck.model.params.get('fc.b')?.shape, [5]);
  const logits = tf.tidy(
    () => ck.model.forward(tf.zeros([2, H, W, 3]) as tf.Tensor4D, { training: false }).logits.shape,
  );
  assert.deepEqual(logits, [2, 5]);
  ck.model.dispose();
  const teacher = await getCheckpoint(openStore(storeDir), 'runs/f/teacher');
  const meta = teacher.json.metadata as { normalization: { mean: number[]; std: number[] } };
  assert.equal(meta.normalization.mean.length, 3);
  teacher.model.dispose();
});
