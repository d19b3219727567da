import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer } from '@abd/proto';
import { runPipeline, type RunConfig } from '@abd/train';
import { boundaryExtractorService } from '../../boundary-extractor/src/boundary-extractor.service';
import { TeacherPool } from '../../boundary-extractor/src/teacher-pool';
import { teacherInferenceService } from '../../teacher-inference/src/teacher-inference.service';
import { serviceFixture, type ServiceFixture } from '../../teacher-inference/src/testing/fixture';
import { tinyConfig } from '../../../libs/train/src/testing/fixture';
import { JobManager } from './job-manager';
import { childRunner, type JobRunner } from './job-runner';
import { jobSpecsOf } from './job-spec';
import { studentTrainerService } from './student-trainer.service';
import { assertSameWeights as sameWeights, unaryCall as call, watchJob } from './testing/trainer-client';

let fx: ServiceFixture;
let cfg: RunConfig;
const servers: RunningServer[] = [];
const served = [0, 0];
let extractor: boundaryExtractor.BoundaryExtractorClient;
let pool: TeacherPool;
let jobs: JobManager;
let runner: JobRunner;
let trainer: studentTrainer.StudentTrainerClient;
const quiet = { log: silentLogger, tls: null, host: '127.0.0.1', port: 0 } as const;
const S = studentTrainer.JobState;

before(async () => {
  fx = await serviceFixture();
  cfg = tinyConfig(fx.dataDir, { methods: ['ab+kd'], teacher: { ...tinyConfig(fx.dataDir).teacher, checkpoint: 'models/teacher-a' } });
  for (const i of [0, 1]) {
    servers.push(await startServer({ ...quiet, auth: null, services: [teacherInferenceService({ store: fx.store, log: silentLogger, onBatch: () => served[i]++ })] }));
  }
  pool = new TeacherPool(servers.map((s) => `127.0.0.1:${s.port}`), { window: 4 });
  const ex = await startServer({ ...quiet, auth: null, services: [boundaryExtractorService({ pool, store: fx.store, log: silentLogger })] });
  servers.push(ex);
  extractor = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${ex.port}`);
  // Jobs run in worker processes as in a served trainer; they reach the same store and extractor.
  runner = childRunner({ env: { ABD_STORE: fx.storeDir, ABD_EXTRACTOR_ADDRESS: `127.0.0.1:${ex.port}` } });
  jobs = new JobManager({ store: fx.store, runner, log: silentLogger });
  const tr = await startServer({ ...quiet, auth: { token: 's3cret' }, services: [studentTrainerService(jobs, silentLogger)] });
  servers.push(tr);
  trainer = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${tr.port}`, { token: 's3cret' });
});
after(async () => {
  trainer.close();
  extractor.close();
  pool.close();
  for (const s of servers) await s.shutdown(200);
  fx.cleanup();
});

const unaryCall = <T>(method: Parameters<typeof call>[1], req: unknown, client = trainer): Promise<T> => call<T>(client, method, req);
const watch = (jobId: string, onEvent?: (e: studentTrainer.JobEvent) => void) => watchJob(trainer, jobId, onEvent);
const assertSameWeights = (a: string, b: string) => sameWeights(fx.store, a, b);

test('AB+KD through the four services (two teacher replicas) gives exactly the in-process student weights', async () => {
  await runPipeline(cfg, { store: fx.store, runId: 'ref' });
  const [spec] = jobSpecsOf(cfg, 'teacher-a');
  const job = await unaryCall<studentTrainer.Job>('startJob', { jobId: 'e2e', spec, resume: false });
  assert.equal(job.id, 'e2e');
  const events = await watch('e2e');
  const final = await unaryCall<studentTrainer.Job>('getJob', { jobId: 'e2e' });
  assert.equal(final.state, S.JOB_STATE_SUCCEEDED, final.error);
  assert.ok(events.some((e) => e.event?.$case === 'epoch' && e.event.epoch.similarity.length === 3), 'an AB epoch line with similarity');
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
  await assertSameWeights('runs/ref/ab+kd/final', 'runs/e2e/ab+kd/final');
  assert.deepEqual(final.outputModels, ['e2e-ab-kd']);
  await assertSameWeights('runs/ref/ab+kd/final', 'models/e2e-ab-kd');
  assert.ok(served[0] > 0 && served[1] > 0, `both replicas served (${served})`);
});

test('job API: cancel a running job, a restarted trainer resumes unfinished jobs to the same weights', async () => {
  const [spec] = jobSpecsOf(cfg, 'teacher-a');
  await unaryCall('startJob', { jobId: 'c1', spec, resume: false });
  let cancelled = false;
  await watch('c1', (e) => {
    if (!cancelled && e.event?.$case === 'progress') {
      cancelled = true;
      void unaryCall('cancelJob', { jobId: 'c1' });
    }
  });
  const j = await unaryCall<studentTrainer.Job>('getJob', { jobId: 'c1' });
  assert.equal(j.state, S.JOB_STATE_CANCELLED);
  const list = await unaryCall<studentTrainer.ListJobsResponse>('listJobs', { state: S.JOB_STATE_CANCELLED, limit: 0, pageToken: '' });
  assert.deepEqual(list.jobs.map((x) => x.id), ['c1']);
  // A trainer that died mid-run leaves its job RUNNING in the store; a new one picks it up.
  const saved = await fx.store.getJson<Record<string, unknown>>('jobs/c1/job.json');
  await fx.store.putJson('jobs/c1/job.json', { ...saved, state: 'JOB_STATE_RUNNING' });
  const again = new JobManager({ store: fx.store, runner, log: silentLogger });
  assert.ok((await again.recover()).includes('c1'));
  await again.idle();
  const done = again.get('c1');
  assert.equal(done.state, S.JOB_STATE_SUCCEEDED, done.error);
  await assertSameWeights('runs/ref/ab+kd/final', 'runs/c1/ab+kd/final');
});

/** `spec` with its config_json edited. */
function withConfig(spec: studentTrainer.JobSpec, edit: (c: Record<string, unknown>) => void): studentTrainer.JobSpec {
  const run = (spec.kind as { run: studentTrainer.RunJob }).run;
  const c = JSON.parse(run.configJson) as Record<string, unknown>;
  edit(c);
  return { ...spec, kind: { $case: 'run', run: { ...run, configJson: JSON.stringify(c) } } };
}

/** A run job in the structured fields (no config_json). */
const structured = (top: Partial<studentTrainer.JobSpec>, run: Partial<studentTrainer.RunJob> = {}): studentTrainer.JobSpec => ({
  name: 'structured',
  seed: 1,
  batchSize: 0,
  ...top,
  kind: { $case: 'run', run: { teacherSource: { $case: 'teacher', teacher: { id: 'teacher-a', epoch: 0 } }, initEpochs: 1, classifyEpochs: 1, method: 'ab+kd', outputPrefix: '', methodParams: {}, configJson: '', ...run } },
});

test('bad job requests and bad tokens get their status; the trainer keeps serving', async () => {
  const [spec] = jobSpecsOf(cfg, 'teacher-a');
  const fail = (p: Promise<unknown>) => p.then(() => assert.fail('no error'), (e: ServiceError) => e);
  const cases: [string, () => Promise<unknown>, status, RegExp][] = [
    ['path-like job id', () => unaryCall('startJob', { jobId: '../../etc', spec, resume: false }), status.INVALID_ARGUMENT, /job_id/],
    ['existing job', () => unaryCall('startJob', { jobId: 'e2e', spec, resume: false }), status.ALREADY_EXISTS, /exists/],
    ['unknown teacher', () => unaryCall('startJob', { jobId: 'x1', spec: { ...spec, kind: { $case: 'run', run: { ...(spec.kind as { run: studentTrainer.RunJob }).run, teacherSource: { $case: 'teacher', teacher: { id: 'ghost', epoch: 0 } } } } }, resume: false }), status.NOT_FOUND, /ghost/],
    ['unknown method', () => unaryCall('startJob', { jobId: 'x2', spec: { ...spec, kind: { $case: 'run', run: { ...(spec.kind as { run: studentTrainer.RunJob }).run, method: 'magic' } } }, resume: false }), status.INVALID_ARGUMENT, /method/],
    ['no lr in the config', () => unaryCall('startJob', { jobId: 'x3', spec: withConfig(spec, (c) => ((c.train as Record<string, unknown>).lr = null)), resume: false }), status.INVALID_ARGUMENT, /config_json\.train\.lr/],
    ['recipe field beside the config', () => unaryCall('startJob', { jobId: 'x5', spec: { ...spec, lr: { initialLr: 0.2, momentum: 0, weightDecay: 0, nesterov: false, milestones: [], divisor: 0, perStep: false } }, resume: false }), status.INVALID_ARGUMENT, /spec\.lr/],
    ['non-finite lr', () => unaryCall('startJob', { jobId: 'x3', spec: structured({ lr: { initialLr: NaN, momentum: 0, weightDecay: 0, nesterov: false, milestones: [], divisor: 0, perStep: false } }), resume: false }), status.INVALID_ARGUMENT, /initial_lr/],
    ['AB lr on a run job', () => unaryCall('startJob', { jobId: 'x4', spec: structured({}, { ab: { mu: 1, tapWeights: [], teacherBnTrainMode: false, lr: 0.05, optimizerResetFraction: 0 } }), resume: false }), status.INVALID_ARGUMENT, /spec\.run\.ab\.lr/],
    ['unknown job', () => unaryCall('getJob', { jobId: 'nope' }), status.NOT_FOUND, /nope/],
  ];
  for (const [name, p, code, msg] of cases) {
    const e = await fail(p());
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
  }
  const port = servers.at(-1)!.port;
  for (const token of [undefined, 'wrong']) {
    const c = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${port}`, { token });
    const e = await fail(unaryCall('getJob', { jobId: 'e2e' }, c));
    assert.equal(e.code, status.UNAUTHENTICATED);
    c.close();
  }
  assert.equal((await unaryCall<studentTrainer.Job>('getJob', { jobId: 'e2e' })).state, S.JOB_STATE_SUCCEEDED);
  assert.equal(await fx.store.exists('jobs/x1/job.json'), false, 'nothing written for a rejected job');
});
