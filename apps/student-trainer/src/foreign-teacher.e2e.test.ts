// A user's own teacher and data through the services (issue 16): an ONNX file from torch.onnx.export
// and a tfjs LayersModel, on a 5-class 12×10 RGB image folder, distilled (ab+kd) into resnet-8 by a
// run job. The trainer publishes the teacher file to the store, teacher-inference serves it, the
// boundary-extractor reads the folder with the pipeline's loader: the student is bitwise the
// in-process one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs';
import { writeImageFolder, IMAGE_FOLDER_CLASSES } from '@abd/data/testing';
import { saveLayersModel } from '@abd/models/testing';
import { studentTrainer } from '@abd/proto';
import { FOREIGN_TEACHER_JSON, runPipeline, validateRunConfig, type RunConfig } from '@abd/train';
import { jobSpecsOf } from '@abd/train-io';
import { assertSameWeights, unaryCall, watchJob } from './testing/trainer-client';
import { startTrainerStack, type TrainerStack } from './testing/trainer-server';

const ONNX = join(__dirname, '..', '..', '..', 'libs', 'models', 'reference', 'tiny_teacher.onnx');
const [H, W, C] = [12, 10, 3];
let svc: TrainerStack;
const served = () => svc.stack.teacherImages(svc.stack.teachers[0]);

/** A Keras-style CNN on 12×10×3 (5 classes) saved as model.json + weights.bin; `c2` (6×5×6) is its tap. */
async function saveLayersTeacher(dir: string): Promise<void> {
  const x = tfl.input({ shape: [H, W, C] });
  let h = tfl.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      name: 'c2',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  h = tfl.layers
    .globalAveragePooling2d({})
    .apply(tfl.layers.reLU({}).apply(h)) as tfl.SymbolicTensor;
  const y = tfl.layers
    .dense({
      units: IMAGE_FOLDER_CLASSES.length,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: y });
  await saveLayersModel(tfl, model, dir);
  model.dispose();
}

const cfgOf = (teacher: Record<string, unknown>): RunConfig =>
  validateRunConfig({
    name: 'byo-remote',
    // 20 training images of 5 classes; a stratified subset of 15 (3 per class).
    dataset: {
      format: 'image-folder',
      path: join(svc.fx.dir, 'images'),
      subset: { count: 15, seed: 1 },
    },
    teacher,
    student: { arch: 'resnet-8' },
    methods: ['ab+kd'],
    epochs: { e1: 1, e2: 1 },
    train: { batchSize: 5 },
  });

before(async () => {
  svc = await startTrainerStack();
  await writeImageFolder(join(svc.fx.dir, 'images'), 4, H, W);
  await saveLayersTeacher(join(svc.fx.dir, 'keras'));
});
after(() => svc.stop());

/** Runs `cfg` in-process as run `ref-<jobId>` and as job `jobId` through the services; compares the students. */
async function sameAsInProcess(cfg: RunConfig, jobId: string): Promise<void> {
  await runPipeline(cfg, { store: svc.fx.store, runId: `ref-${jobId}` });
  const [spec] = jobSpecsOf(cfg, 'unused');
  const before = await served();
  await unaryCall(svc.trainer, 'startJob', { jobId, spec, resume: false });
  await watchJob(svc.trainer, jobId);
  const job = await unaryCall<studentTrainer.Job>(svc.trainer, 'getJob', { jobId });
  assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
  // The teacher file went to the store, and teacher-inference computed every batch's signs and logits.
  assert.ok(await svc.fx.store.exists(`models/${jobId}-teacher/${FOREIGN_TEACHER_JSON}`));
  // Per epoch 15 images; the AB epoch's signs and the KD epoch's logits: 30 at least.
  assert.ok(
    (await served()) - before >= 30,
    `teacher-inference served ${(await served()) - before} images`,
  );
  await assertSameWeights(
    svc.fx.store,
    `runs/ref-${jobId}/ab+kd/final`,
    `runs/${jobId}/ab+kd/final`,
  );
}

test('an ONNX teacher with two taps on a 5-class 12×10 image folder: the remote resnet-8 student is the in-process one', async () => {
  await sameAsInProcess(
    cfgOf({
      format: 'onnx',
      path: ONNX,
      taps: ['/net/conv1/Conv_output_0', '/net/conv2/Conv_output_0'],
    }),
    'byo-onnx',
  );
});

test('a tfjs LayersModel teacher on the same folder: the remote resnet-8 student is the in-process one', async () => {
  await sameAsInProcess(
    cfgOf({ format: 'tfjs-layers', path: join(svc.fx.dir, 'keras'), taps: ['c2'] }),
    'byo-keras',
  );
});
