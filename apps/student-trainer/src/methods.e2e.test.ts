import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer } from '@abd/proto';
import { RUN_METHODS, runPipeline, validateRunConfig, type RunConfig } from '@abd/train';
import { boundaryExtractorService } from '../../boundary-extractor/src/boundary-extractor.service';
import { TeacherPool } from '../../boundary-extractor/src/teacher-pool';
import { teacherInferenceService } from '../../teacher-inference/src/teacher-inference.service';
import { serviceFixture, type ServiceFixture } from '../../teacher-inference/src/testing/fixture';
import { tinyConfig } from '../../../libs/train/src/testing/fixture';
import { JobManager } from './job-manager';
import { jobSpecsOf } from './job-spec';
import { studentTrainerService } from './student-trainer.service';
import { assertSameWeights, unaryCall, watchJob } from './testing/trainer-client';

let fx: ServiceFixture;
let cfg: RunConfig;
const servers: RunningServer[] = [];
let extractor: boundaryExtractor.BoundaryExtractorClient;
let pool: TeacherPool;
let trainer: studentTrainer.StudentTrainerClient;
let served = 0;
const quiet = { log: silentLogger, tls: null, host: '127.0.0.1', port: 0, auth: null } as const;

before(async () => {
  fx = await serviceFixture();
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
  servers.push(await startServer({ ...quiet, services: [teacherInferenceService({ store: fx.store, log: silentLogger, onBatch: () => served++ })] }));
  pool = new TeacherPool([`127.0.0.1:${servers[0].port}`], { window: 4 });
  const ex = await startServer({ ...quiet, services: [boundaryExtractorService({ pool, store: fx.store, log: silentLogger })] });
  servers.push(ex);
  extractor = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${ex.port}`);
  const jobs = new JobManager({ store: fx.store, extractor, log: silentLogger });
  const tr = await startServer({ ...quiet, services: [studentTrainerService(jobs, silentLogger)] });
  servers.push(tr);
  trainer = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${tr.port}`);
  await runPipeline(cfg, { store: fx.store, runId: 'ref' });
});
after(async () => {
  trainer.close();
  extractor.close();
  pool.close();
  for (const s of servers) await s.shutdown(200);
  fx.cleanup();
});

for (const [i, method] of RUN_METHODS.entries()) {
  test(`${method} through the services gives exactly the in-process student weights (per-step schedules, t² KD, testEvery 2)`, async () => {
    const spec = jobSpecsOf(cfg, 'teacher-a')[i];
    const jobId = `m-${method.replace(/\+/g, '-')}`;
    const before = served;
    await unaryCall(trainer, 'startJob', { jobId, spec, resume: false });
    await watchJob(trainer, jobId);
    const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId });
    assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
    // Every method but CE needs the teacher: its batches come from teacher-inference.
    if (method !== 'none') assert.ok(served > before, `teacher-inference served ${method}'s batches`);
    await assertSameWeights(fx.store, `runs/ref/${method}/final`, `runs/${jobId}/${method}/final`);
  });
}

test('a ResNet student (resnet-8) through the services gives exactly the in-process one (ab+kd, stored WRN teacher)', async () => {
  const rc = validateRunConfig({ ...cfg, student: { ...cfg.student, arch: 'resnet-8' }, methods: ['ab+kd'] });
  await runPipeline(rc, { store: fx.store, runId: 'ref-resnet' });
  const [spec] = jobSpecsOf(rc, 'teacher-a');
  const before = served;
  await unaryCall(trainer, 'startJob', { jobId: 'm-resnet', spec, resume: false });
  await watchJob(trainer, 'm-resnet');
  const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'm-resnet' });
  assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
  assert.ok(served > before, 'the sign maps came from teacher-inference');
  assert.equal((await fx.store.getJson<{ modelTopology: { class_name: string } }>('runs/m-resnet/ab+kd/final/model.json')).modelTopology.class_name, 'ResNet');
  await assertSameWeights(fx.store, 'runs/ref-resnet/ab+kd/final', 'runs/m-resnet/ab+kd/final');
});
