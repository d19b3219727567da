import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studentTrainer } from '@abd/proto';
import { RUN_METHODS, runPipeline, validateRunConfig, type RunConfig } from '@abd/train';
import { tinyConfig, type ServiceFixture } from '@abd/train/testing';
import { jobSpecsOf } from '@abd/train-io';
import { startServiceStack, type ServiceStack } from '@abd/train-io/testing';
import { assertSameWeights, unaryCall, watchJob } from './testing/trainer-client';
import { startTrainer, type TrainerServer } from './testing/trainer-server';

let stack: ServiceStack;
let fx: ServiceFixture;
let cfg: RunConfig;
let tr: TrainerServer;
let trainer: studentTrainer.StudentTrainerClient;
/** Images the teacher-inference process has computed. */
const served = () => stack.teacherImages(stack.teachers[0]);

before(async () => {
  stack = await startServiceStack();
  fx = stack.fx;
  const base = tinyConfig(fx.dataDir);
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
  // Jobs run in worker processes as in a served trainer; they reach the same store and extractor.
  tr = await startTrainer(fx.store, { extractor: stack.extractorClient, workers: { storeDir: fx.storeDir, extractorAddress: stack.extractor?.address } });
  trainer = tr.client;
  await runPipeline(cfg, { store: fx.store, runId: 'ref' });
});
after(async () => {
  await tr.stop();
  await stack.stop();
});

for (const [i, method] of RUN_METHODS.entries()) {
  test(`${method} through the services gives exactly the in-process student weights (per-step schedules, t² KD, testEvery 2)`, async () => {
    const spec = jobSpecsOf(cfg, 'teacher-a')[i];
    const jobId = `m-${method.replace(/\+/g, '-')}`;
    const before = await served();
    await unaryCall(trainer, 'startJob', { jobId, spec, resume: false });
    await watchJob(trainer, jobId);
    const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId });
    assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
    // Every method but CE needs the teacher: its batches come from teacher-inference.
    if (method !== 'none') assert.ok((await served()) > before, `teacher-inference served ${method}'s batches`);
    await assertSameWeights(fx.store, `runs/ref/${method}/final`, `runs/${jobId}/${method}/final`);
  });
}
