// "Bring your own": a user's teacher (an ONNX file from torch.onnx.export, a tfjs LayersModel saved
// like tensorflowjs_converter does), a user's image folder (5 classes, 12×10 RGB PNG/JPEG via sharp)
// and a CIFAR ResNet student, through `abd run`, `abd export` and three stock runtimes.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { Browser } from 'puppeteer-core';
import { loadStudent } from '@abd/models';
import { IMAGE_FOLDER_CLASSES, writeImageFolder } from '@abd/data/testing';
import { maxAbsDiff, saveLayersModel, serveDirs, toNchw } from '@abd/models/testing';
import { tempDir } from '@abd/train/testing';

const ABD = join(__dirname, '..', '..', '..', 'bin', 'abd');
const ONNX_TEACHER = join(
  __dirname,
  '..',
  '..',
  '..',
  'libs',
  'models',
  'reference',
  'tiny_teacher.onnx',
);
const CHROMIUM = process.env.ABD_CHROMIUM ?? '/usr/bin/chromium';
const TFJS_DIST = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');
const [H, W, C, K] = [12, 10, 3, IMAGE_FOLDER_CLASSES.length];
const tmp = tempDir('abd-byo-');
const abd = (...args: string[]) =>
  spawnSync(process.execPath, [ABD, ...args], {
    encoding: 'utf8',
    cwd: tmp.dir,
    env: { ...process.env, ABD_STORE: '' },
  });
let server: Server;
let url: string;
let browser: Browser;

/** A Keras-style CNN for 12×10×3 images (5 classes), saved as model.json + weights.bin; its BN outputs are the taps. */
async function saveLayersTeacher(out: string): Promise<void> {
  const x = tfl.input({ shape: [H, W, C] });
  const conv = (filters: number, strides: number, name: string, seed: number) =>
    tfl.layers.conv2d({
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      name,
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    });
  let h = conv(8, 1, 'c1', 1).apply(x) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 'bn1' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reLU({ name: 'r1' }).apply(h) as tfl.SymbolicTensor;
  h = conv(12, 2, 'c2', 2).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.batchNormalization({ name: 'bn2' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.reLU({ name: 'r2' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(h) as tfl.SymbolicTensor;
  const y = tfl.layers
    .dense({
      units: K,
      name: 'logits',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  await saveLayersModel(tfl, model, out);
  model.dispose();
}

before(async () => {
  await tf.setBackend('cpu');
  await writeImageFolder(join(tmp.dir, 'images'), 3, H, W);
  await saveLayersTeacher(join(tmp.dir, 'keras-teacher'));
  await writeFile(
    join(tmp.dir, 'index.html'),
    '<!doctype html><script src="/tfjs/tf.min.js"></script>',
  );
  ({ server, url } = await serveDirs({ '/tfjs/': TFJS_DIST, '/': tmp.dir }));
  const { launch } = await import('puppeteer-core');
  browser = await launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: join(tmp.dir, 'chromium'),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  tmp.cleanup();
});

/** Our student's logits in eval mode for NHWC input, and the three stock runtimes' on the same input from `abd export`. */
async function exportAndCompare(runId: string): Promise<void> {
  const final = join(tmp.dir, '.abd', 'store', 'runs', runId, 'ab+kd', 'final');
  const student = loadStudent(
    readFileSync(join(final, 'model.json'), 'utf8'),
    readFileSync(join(final, 'weights.bin')),
  );
  const shape: [number, number, number, number] = [3, H, W, C];
  const x = tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', 4).dataSync() as Float32Array);
  const ours = tf.tidy(
    () =>
      student.forward(tf.tensor4d(x, shape), { training: false }).logits.dataSync() as Float32Array,
  );
  student.dispose();
  assert.equal(ours.length, 3 * K);

  const onnx = abd('export', `${runId}/ab+kd`, '--format', 'onnx', '--out', `${runId}-onnx`);
  assert.equal(onnx.status, 0, onnx.stderr);
  assert.match(onnx.stdout, new RegExp(`exported resnet8 \\(3 input channels, ${K} classes\\)`));
  const session = await ort.InferenceSession.create(
    readFileSync(join(tmp.dir, `${runId}-onnx`, 'model.onnx')),
  );
  const o = await session.run({ input: new ort.Tensor('float32', toNchw(x, shape), [3, C, H, W]) });
  assert.ok(maxAbsDiff(o.logits.data as Float32Array, ours) <= 1e-4, 'onnxruntime-node');

  const layers = abd(
    'export',
    `${runId}/ab+kd`,
    '--format',
    'tfjs-layers',
    '--out',
    `${runId}-layers`,
  );
  assert.equal(layers.status, 0, layers.stderr);
  // The run's own normalization statistics (runs/<id>/data.json) travel with the export.
  const data = JSON.parse(
    readFileSync(join(tmp.dir, '.abd', 'store', 'runs', runId, 'data.json'), 'utf8'),
  );
  assert.equal(data.classes, K);
  assert.deepEqual([data.height, data.width, data.channels], [H, W, C]);
  assert.deepEqual(
    JSON.parse(readFileSync(join(tmp.dir, `${runId}-layers`, 'model.json'), 'utf8'))
      .userDefinedMetadata.normalization,
    data.normalization,
  );

  const m = await tfl.loadLayersModel(`${url}/${runId}-layers/model.json`);
  const y = m.predict(tfl.tensor4d(x, shape)) as tfl.Tensor;
  assert.ok(maxAbsDiff(await y.data(), ours) <= 1e-4, 'tf.loadLayersModel in Node');
  m.dispose();

  const page = await browser.newPage();
  assert.equal((await page.goto(`${url}/index.html`, { waitUntil: 'load' }))?.status(), 200);
  const got = await page.evaluate(
    async (path: string, values: number[], s: number[]) => {
      const g = globalThis as unknown as { tf: typeof import('@tensorflow/tfjs') };
      await g.tf.setBackend('cpu');
      const model = await g.tf.loadLayersModel(path);
      const out = model.predict(
        g.tf.tensor4d(values, s as [number, number, number, number]),
      ) as import('@tensorflow/tfjs').Tensor;
      return { version: g.tf.version.tfjs, data: Array.from(await out.data()) };
    },
    `/${runId}-layers/model.json`,
    Array.from(x),
    shape,
  );
  await page.close();
  assert.equal(got.version, '4.22.0');
  const d = maxAbsDiff(got.data, ours);
  assert.ok(d <= 1e-4, `headless Chromium: max |Δlogit| ${d}`);
}

function runWith(
  runId: string,
  teacher: string,
): {
  stdout: string;
  result: {
    teacher: { arch: string; errorPct: number };
    results: Array<{ method: string; similarity?: number[] }>;
  };
} {
  const cfg = join(tmp.dir, `${runId}.yaml`);
  writeFileSync(
    cfg,
    [
      `name: ${runId}`,
      `dataset: { format: image-folder, path: ${join(tmp.dir, 'images')} }`,
      `teacher: ${teacher}`,
      'student: { arch: resnet-8 }',
      'methods: [ab+kd]',
      'epochs: { e1: 1, e2: 1 }',
      'train: { batchSize: 5 }',
      '',
    ].join('\n'),
  );
  const r = abd('run', cfg, '--quiet');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const result = JSON.parse(
    readFileSync(join(tmp.dir, '.abd', 'store', 'runs', runId, 'result.json'), 'utf8'),
  );
  return { stdout: r.stdout, result };
}

test('an ONNX teacher (torch.onnx.export) distils into resnet-8 on a 5-class 12×10 image folder; the export runs in onnxruntime, tfjs in Node and in Chromium with our logits', async () => {
  // The committed tiny teacher's taps: the pre-ReLU values of its two conv+BN layers (12×10×4 and 6×5×6, NCHW in the file).
  const { stdout, result } = runWith(
    'byo-onnx',
    `{ format: onnx, path: ${ONNX_TEACHER}, taps: [/net/conv1/Conv_output_0, /net/conv2/Conv_output_0] }`,
  );
  assert.equal(result.teacher.arch, 'onnx tiny_teacher.onnx');
  assert.ok(Number.isFinite(result.teacher.errorPct));
  // Two teacher taps pair with the student's last two (6×5 and 3×3, resized to the teacher's 12×10 and 6×5).
  assert.equal(result.results[0].similarity?.length, 2);
  const last = stdout.trim().split('\n').at(-1)!;
  assert.match(
    last,
    /^Students: .*\/runs\/byo-onnx\/\{ab\+kd\}\/final; export one with: abd export byo-onnx\/ab\+kd --format onnx --out byo-onnx-ab-kd --store .* \(formats: tfjs-layers, tfjs-graph, onnx\)$/,
  );
  await exportAndCompare('byo-onnx');
});

test('a tfjs LayersModel teacher with named taps distils into resnet-8 on the same folder; the export matches in all three runtimes', async () => {
  const { result } = runWith(
    'byo-tfjs',
    `{ format: tfjs-layers, path: ${join(tmp.dir, 'keras-teacher')}, taps: [bn1, bn2] }`,
  );
  assert.equal(result.teacher.arch, 'tfjs-layers keras-teacher');
  assert.equal(result.results[0].similarity?.length, 2);
  await exportAndCompare('byo-tfjs');
});

test('a foreign teacher whose tap is not a 4-D map, or with a method it cannot serve, is refused before training, naming the tap or the method', () => {
  const cfg = join(tmp.dir, 'bad.yaml');
  writeFileSync(
    cfg,
    [
      `name: byo-bad`,
      `dataset: { format: image-folder, path: ${join(tmp.dir, 'images')} }`,
      `teacher: { format: tfjs-layers, path: ${join(tmp.dir, 'keras-teacher')}, taps: [gap] }`,
      'student: { arch: resnet-8 }',
      'methods: [ab+kd]',
      '',
    ].join('\n'),
  );
  const r = abd('run', cfg, '--quiet');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /tap 'gap' has shape \[1,12\]; the AB loss needs a 4-D map/);
  assert.doesNotMatch(r.stdout, /epoch/);
  const fit = abd('run', cfg, 'methods=[fitnets+kd]', '--quiet');
  assert.notEqual(fit.status, 0);
  assert.match(fit.stderr, /fitnets\+kd needs a built-in WRN teacher/);
});
