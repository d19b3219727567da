import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studentTrainer } from '@abd/proto';
import { RUN_METHODS, runPipeline, validateRunConfig, type RunConfig } from '@abd/train';
import { tinyConfig } from '@abd/train/testing';
import { jobSpecsOf } from '@abd/train-io';
import { assertSameWeights, unaryCall, watchJob } from './testing/trainer-client';
import { startTrainerStack, type TrainerStack } from './testing/trainer-server';

let svc: TrainerStack;
let cfg: RunConfig;
/** Images the teacher-inference process has computed. */
const served = () => svc.stack.teacherImages(svc.stack.teachers[0]);
/** Images it answered with float feature maps (FitNets / FSP / AT teachers' maps). */
const servedFeatures = () => svc.stack.teacherFeatureImages(svc.stack.teachers[0]);
/** Epochs whose batches carry teacher feature maps: the init stage (FitNets, FSP), every epoch (AT). */
const featureEpochs = (m: string): number =>
  m === 'fitnets+kd' || m === 'fsp+kd'
    ? cfg.epochs.e1
    : m === 'at+kd'
      ? cfg.epochs.e1 + cfg.epochs.e2
      : 0;

before(async () => {
  svc = await startTrainerStack();
  const base = tinyConfig(svc.fx.dataDir);
  // Non-default values of the keys a lossy mapping dropped or defaulted.
  cfg = validateRunConfig({
    ...base,
    dataset: { ...base.dataset, subset: { count: 32, seed: 1 } },
    teacher: { ...base.teacher, checkpoint: 'models/teacher-a' },
    methods: [...RUN_METHODS],
    epochs: { e1: 1, e2: 2 },
    ab: { ...base.ab, schedule: 'per-step', resetOptimizer: false },
    kd: { ...base.kd, t2Factor: true, alpha: 0.25 },
    train: { ...base.train, batchSize: 16, schedule: 'per-step', testEvery: 2 },
  });
  await runPipeline(cfg, { store: svc.fx.store, runId: 'ref' });
});
after(() => svc.stop());

for (const [i, method] of RUN_METHODS.entries()) {
  test(`${method} through the services gives exactly the in-process student weights (per-step schedules, t² KD, testEvery 2)`, async () => {
    const spec = jobSpecsOf(cfg, 'teacher-a')[i];
    const jobId = `m-${method.replace(/\+/g, '-')}`;
    const before = await served();
    const featuresBefore = await servedFeatures();
    await unaryCall(svc.trainer, 'startJob', { jobId, spec, resume: false });
    await watchJob(svc.trainer, jobId);
    const job = await unaryCall<studentTrainer.Job>(svc.trainer, 'getJob', { jobId });
    assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
    // Every method but CE needs the teacher: its batches come from teacher-inference.
    if (method !== 'none')
      assert.ok((await served()) > before, `teacher-inference served ${method}'s batches`);
    // The baselines' teacher maps come from teacher-inference too, once per image and epoch
    // (the subset's 32 images), not from a teacher in the trainer's worker.
    assert.equal(
      (await servedFeatures()) - featuresBefore,
      32 * featureEpochs(method),
      `teacher-inference served ${method}'s feature maps`,
    );
    await assertSameWeights(
      svc.fx.store,
      `runs/ref/${method}/final`,
      `runs/${jobId}/${method}/final`,
    );
  });
}

test('a ResNet student (resnet-8) through the services gives exactly the in-process one (ab+kd, stored WRN teacher)', async () => {
  const rc = validateRunConfig({
    ...cfg,
    student: { ...cfg.student, arch: 'resnet-8' },
    methods: ['ab+kd'],
  });
  await runPipeline(rc, { store: svc.fx.store, runId: 'ref-resnet' });
  const [spec] = jobSpecsOf(rc, 'teacher-a');
  const before = await served();
  await unaryCall(svc.trainer, 'startJob', { jobId: 'm-resnet', spec, resume: false });
  await watchJob(svc.trainer, 'm-resnet');
  const job = await unaryCall<studentTrainer.Job>(svc.trainer, 'getJob', { jobId: 'm-resnet' });
  assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
  assert.ok((await served()) > before, 'the sign maps came from teacher-inference');
  assert.equal(
    (
      await svc.fx.store.getJson<{ modelTopology: { class_name: string } }>(
        'runs/m-resnet/ab+kd/final/model.json',
      )
    ).modelTopology.class_name,
    'ResNet',
  );
  await assertSameWeights(svc.fx.store, 'runs/ref-resnet/ab+kd/final', 'runs/m-resnet/ab+kd/final');
});
