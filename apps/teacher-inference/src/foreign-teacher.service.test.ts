// A user's teacher (the committed tiny ONNX file from torch.onnx.export, a tfjs LayersModel) published
// to the store and served: Describe gives its taps and the run's data; Infer gives the bits and
// logits of the in-process pipeline's own foreignTeacherOutputs on the same images.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs';
import { status, type ServiceError } from '@grpc/grpc-js';
import { openStore, type ArtifactStore } from '@abd/artifacts';
import { makeBatch, type LoadedDataset } from '@abd/data';
import { IMAGE_FOLDER_CLASSES, writeImageFolder } from '@abd/data/testing';
import { unpackSigns } from '@abd/distill';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { loadForeignTeacher } from '@abd/models';
import { saveLayersModel } from '@abd/models/testing';
import { teacherInference } from '@abd/proto';
import {
  foreignTeacherOutputs,
  loadConfiguredDataset,
  publishForeignTeacher,
  validateRunConfig,
  type RunConfig,
} from '@abd/train';
import { bidiAll, tempDir } from '@abd/train/testing';
import { initBackend } from '@abd/tensor';
import { floatsOf } from '@abd/train-io';
import { teacherInferenceService } from './teacher-inference.service';
import { inferRequest } from './testing/infer-request';

const ONNX = join(__dirname, '..', '..', '..', 'libs', 'models', 'reference', 'tiny_teacher.onnx');
const ONNX_TAPS = ['/net/conv1/Conv_output_0', '/net/conv2/Conv_output_0'];
const [H, W, C, K] = [12, 10, 3, IMAGE_FOLDER_CLASSES.length];
const tmp = tempDir('abd-ti-foreign-');
let store: ArtifactStore;
let server: RunningServer;
let client: teacherInference.TeacherInferenceClient;
let data: LoadedDataset;

/** A Keras-style CNN on 12×10×3 (5 classes); `c2` (6×5×6, pre-ReLU) and `c1` are its taps. */
async function saveLayersTeacher(dir: string): Promise<void> {
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
  let h = conv(4, 1, 'c1', 1).apply(x) as tfl.SymbolicTensor;
  h = conv(6, 2, 'c2', 2).apply(tfl.layers.reLU({}).apply(h)) as tfl.SymbolicTensor;
  h = tfl.layers
    .globalAveragePooling2d({})
    .apply(tfl.layers.reLU({}).apply(h)) as tfl.SymbolicTensor;
  const y = tfl.layers
    .dense({ units: K, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })
    .apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  await saveLayersModel(tfl, model, dir);
  model.dispose();
}

const cfgOf = (teacher: Record<string, unknown>): RunConfig =>
  validateRunConfig({
    name: 'ti-foreign',
    dataset: { format: 'image-folder', path: join(tmp.dir, 'images') },
    teacher,
    student: { arch: 'resnet-8' },
    methods: ['ab+kd'],
  });
const onnxCfg = () => cfgOf({ format: 'onnx', path: ONNX, taps: ONNX_TAPS });
const layersCfg = () =>
  cfgOf({ format: 'tfjs-layers', path: join(tmp.dir, 'keras'), taps: ['c2', 'c1'] });

before(async () => {
  await initBackend();
  await writeImageFolder(join(tmp.dir, 'images'), 3, H, W);
  await saveLayersTeacher(join(tmp.dir, 'keras'));
  store = openStore(join(tmp.dir, 'store'));
  data = await loadConfiguredDataset(onnxCfg().dataset);
  const d = { ...data.train, name: 'images', stats: data.stats };
  await publishForeignTeacher(store, 'byo-onnx', onnxCfg(), d);
  await publishForeignTeacher(store, 'byo-keras', layersCfg(), d);
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [teacherInferenceService({ store, log: silentLogger })],
    log: silentLogger,
    auth: null,
    tls: null,
  });
  client = makeClient(teacherInference.TeacherInferenceClient, `127.0.0.1:${server.port}`);
});
after(async () => {
  client.close();
  await server.shutdown(500);
  tmp.cleanup();
});

const describe = (id: string) =>
  new Promise<teacherInference.ModelDescription>((res, rej) =>
    client.describe({ model: { id, epoch: 0 } }, (e, r) => (e ? rej(e) : res(r))),
  );

const request = (
  id: string,
  images: Uint8Array,
  n: number,
  o: Partial<teacherInference.InferRequest> = {},
) => inferRequest({ images, n, hwc: [H, W, C] }, 1, { teacher: { id, epoch: 0 }, ...o });

for (const [id, cfgFn, shapes] of [
  [
    'byo-onnx',
    onnxCfg,
    [
      [12, 10, 4],
      [6, 5, 6],
    ],
  ],
  [
    'byo-keras',
    layersCfg,
    [
      [6, 5, 6],
      [12, 10, 4],
    ],
  ],
] as const) {
  test(`${id}: Describe gives the taps, shapes, classes and input shape; Infer the in-process bits and logits`, async () => {
    const cfg = cfgFn();
    const d = await describe(id);
    assert.deepEqual(d.inputShape, [H, W, C]);
    assert.deepEqual(d.classes, IMAGE_FOLDER_CLASSES);
    assert.deepEqual(
      d.taps.map((t) => [t.name, t.shape]),
      cfg.teacher.taps!.map((t, i) => [t, shapes[i]]),
    );
    assert.equal(d.arch?.family, cfg.teacher.format);
    const batch = makeBatch(
      data.train,
      Int32Array.from({ length: 7 }, (_, i) => 2 * i),
    );
    const local = await loadForeignTeacher(cfg.teacher.path!, { taps: cfg.teacher.taps! });
    const want = await foreignTeacherOutputs(local, batch.images, [7, H, W, C], data.stats, {
      signs: true,
      logits: true,
    });
    local.dispose();
    // Taps asked for in reverse order: the answer follows the request.
    const taps = [...cfg.teacher.taps!].reverse();
    const [res] = await bidiAll<teacherInference.InferRequest, teacherInference.InferResponse>(
      client.infer() as never,
      [request(id, batch.images, 7, { taps })],
    );
    assert.deepEqual(
      res.signMaps.map((m) => m.tap),
      taps,
    );
    for (const m of res.signMaps) {
      const i = cfg.teacher.taps!.indexOf(m.tap);
      assert.deepEqual(m.shape, want.signShapes![i]);
      const bits = want.signBits![i];
      assert.deepEqual(new Uint8Array(m.bits), bits);
      const signs = unpackSigns(bits, want.signShapes![i] as never);
      assert.ok(signs.includes(0) && signs.includes(1));
    }
    assert.deepEqual(res.logits?.shape, [7, K]);
    assert.deepEqual(floatsOf(res.logits!.data), want.logits);
  });
}

test('a foreign teacher refuses batch-norm train mode (INVALID_ARGUMENT naming the field)', async () => {
  const batch = makeBatch(data.train, Int32Array.from([0, 1]));
  await assert.rejects(
    bidiAll(client.infer() as never, [
      request('byo-onnx', batch.images, 2, { batchNormTrainMode: true }),
    ]),
    (e: ServiceError) =>
      e.code === status.INVALID_ARGUMENT && /batch_norm_train_mode/.test(e.details),
  );
});
