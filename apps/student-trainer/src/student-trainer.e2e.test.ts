import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { makeClient, silentLogger } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { runPipeline, type RunConfig } from '@abd/train';
import { tinyConfig } from '@abd/train/testing';
import { jobSpecsOf } from '@abd/train-io';
import { JobManager } from './job-manager';
import { childRunner } from './job-runner';
import {
  assertSameWeights as sameWeights,
  listAllJobs,
  unaryCall as call,
  watchJob,
} from './testing/trainer-client';
import { startTrainerStack, type TrainerStack } from './testing/trainer-server';

let svc: TrainerStack;
let cfg: RunConfig;
const S = studentTrainer.JobState;

before(async () => {
  svc = await startTrainerStack({ teachers: 2 }, { token: 's3cret' });
  cfg = tinyConfig(svc.fx.dataDir, {
    methods: ['ab+kd'],
    teacher: { ...tinyConfig(svc.fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
  });
});
after(() => svc.stop());

const unaryCall = <T>(
  method: Parameters<typeof call>[1],
  req: unknown,
  client = svc.trainer,
): Promise<T> => call<T>(client, method, req);
const watch = (jobId: string, onEvent?: (e: studentTrainer.JobEvent) => void) =>
  watchJob(svc.trainer, jobId, onEvent);
const assertSameWeights = (a: string, b: string) => sameWeights(svc.fx.store, a, b);

test('AB+KD through the four services (two teacher replicas) gives exactly the in-process student weights', async () => {
  await runPipeline(cfg, { store: svc.fx.store, runId: 'ref' });
  const [spec] = jobSpecsOf(cfg, 'teacher-a');
  const job = await unaryCall<studentTrainer.Job>('startJob', {
    jobId: 'e2e',
    spec,
    resume: false,
  });
  assert.equal(job.id, 'e2e');
  const events = await watch('e2e');
  const final = await unaryCall<studentTrainer.Job>('getJob', { jobId: 'e2e' });
  assert.equal(final.state, S.JOB_STATE_SUCCEEDED, final.error);
  assert.ok(
    events.some((e) => e.event?.$case === 'epoch' && e.event.epoch.similarity.length === 3),
    'an AB epoch line with similarity',
  );
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
  );
  await assertSameWeights('runs/ref/ab+kd/final', 'runs/e2e/ab+kd/final');
  assert.deepEqual(final.outputModels, ['e2e-ab-kd']);
  await assertSameWeights('runs/ref/ab+kd/final', 'models/e2e-ab-kd');
  const served = await Promise.all(svc.stack.teachers.map((t) => svc.stack.teacherImages(t)));
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
  assert.deepEqual(
    (await listAllJobs(svc.trainer, S.JOB_STATE_CANCELLED)).map((x) => x.id),
    ['c1'],
  );
  // A trainer that died mid-run leaves its job RUNNING in the store; a new one picks it up.
  const saved = await svc.fx.store.getJson<Record<string, unknown>>('jobs/c1/job.json');
  await svc.fx.store.putJson('jobs/c1/job.json', { ...saved, state: 'JOB_STATE_RUNNING' });
  const again = new JobManager({
    store: svc.fx.store,
    runner: childRunner({
      env: { ABD_STORE: svc.fx.storeDir, ABD_EXTRACTOR_ADDRESS: svc.stack.extractor?.address },
    }),
    log: silentLogger,
  });
  assert.ok((await again.recover()).includes('c1'));
  await again.idle();
  const done = again.get('c1');
  assert.equal(done.state, S.JOB_STATE_SUCCEEDED, done.error);
  await assertSameWeights('runs/ref/ab+kd/final', 'runs/c1/ab+kd/final');
});

/** `spec` with its config_json edited. */
function withConfig(
  spec: studentTrainer.JobSpec,
  edit: (c: Record<string, unknown>) => void,
): studentTrainer.JobSpec {
  const run = (spec.kind as { run: studentTrainer.RunJob }).run;
  const c = JSON.parse(run.configJson) as Record<string, unknown>;
  edit(c);
  return { ...spec, kind: { $case: 'run', run: { ...run, configJson: JSON.stringify(c) } } };
}

/** A structured learning-rate schedule giving only `initialLr` (the other fields zero: the recipe's). */
const lrOnly = (initialLr: number): studentTrainer.LrSchedule => ({
  initialLr,
  momentum: 0,
  weightDecay: 0,
  nesterov: false,
  milestones: [],
  divisor: 0,
  perStep: false,
});

/** A run job in the structured fields (no config_json). */
const structured = (
  top: Partial<studentTrainer.JobSpec>,
  run: Partial<studentTrainer.RunJob> = {},
): studentTrainer.JobSpec => ({
  name: 'structured',
  seed: 1,
  batchSize: 0,
  ...top,
  kind: {
    $case: 'run',
    run: {
      teacherSource: { $case: 'teacher', teacher: { id: 'teacher-a', epoch: 0 } },
      initEpochs: 1,
      classifyEpochs: 1,
      method: 'ab+kd',
      outputPrefix: '',
      methodParams: {},
      configJson: '',
      ...run,
    },
  },
});

test('bad job requests and bad tokens get their status; the trainer keeps serving', async () => {
  const [spec] = jobSpecsOf(cfg, 'teacher-a');
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('no error'),
      (e: ServiceError) => e,
    );
  const cases: [string, () => Promise<unknown>, status, RegExp][] = [
    [
      'path-like job id',
      () => unaryCall('startJob', { jobId: '../../etc', spec, resume: false }),
      status.INVALID_ARGUMENT,
      /job_id/,
    ],
    [
      'existing job',
      () => unaryCall('startJob', { jobId: 'e2e', spec, resume: false }),
      status.ALREADY_EXISTS,
      /exists/,
    ],
    [
      'unknown teacher',
      () =>
        unaryCall('startJob', {
          jobId: 'x1',
          spec: {
            ...spec,
            kind: {
              $case: 'run',
              run: {
                ...(spec.kind as { run: studentTrainer.RunJob }).run,
                teacherSource: { $case: 'teacher', teacher: { id: 'ghost', epoch: 0 } },
              },
            },
          },
          resume: false,
        }),
      status.NOT_FOUND,
      /ghost/,
    ],
    [
      'unknown method',
      () =>
        unaryCall('startJob', {
          jobId: 'x2',
          spec: {
            ...spec,
            kind: {
              $case: 'run',
              run: { ...(spec.kind as { run: studentTrainer.RunJob }).run, method: 'magic' },
            },
          },
          resume: false,
        }),
      status.INVALID_ARGUMENT,
      /method/,
    ],
    [
      'no lr in the config',
      () =>
        unaryCall('startJob', {
          jobId: 'x3',
          spec: withConfig(spec, (c) => ((c.train as Record<string, unknown>).lr = null)),
          resume: false,
        }),
      status.INVALID_ARGUMENT,
      /config_json\.train\.lr/,
    ],
    [
      'recipe field beside the config',
      () =>
        unaryCall('startJob', {
          jobId: 'x5',
          spec: {
            ...spec,
            lr: lrOnly(0.2),
          },
          resume: false,
        }),
      status.INVALID_ARGUMENT,
      /spec\.lr/,
    ],
    [
      'non-finite lr',
      () =>
        unaryCall('startJob', {
          jobId: 'x3',
          spec: structured({
            lr: lrOnly(NaN),
          }),
          resume: false,
        }),
      status.INVALID_ARGUMENT,
      /initial_lr/,
    ],
    [
      'AB lr on a run job',
      () =>
        unaryCall('startJob', {
          jobId: 'x4',
          spec: structured(
            {},
            {
              ab: {
                mu: 1,
                tapWeights: [],
                teacherBnTrainMode: false,
                lr: 0.05,
                optimizerResetFraction: 0,
              },
            },
          ),
          resume: false,
        }),
      status.INVALID_ARGUMENT,
      /spec\.run\.ab\.lr/,
    ],
    ['unknown job', () => unaryCall('getJob', { jobId: 'nope' }), status.NOT_FOUND, /nope/],
  ];
  for (const [name, p, code, msg] of cases) {
    const e = await fail(p());
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
  }
  const port = svc.tr.server.port;
  for (const token of [undefined, 'wrong']) {
    const c = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${port}`, { token });
    const e = await fail(unaryCall('getJob', { jobId: 'e2e' }, c));
    assert.equal(e.code, status.UNAUTHENTICATED);
    c.close();
  }
  assert.equal(
    (await unaryCall<studentTrainer.Job>('getJob', { jobId: 'e2e' })).state,
    S.JOB_STATE_SUCCEEDED,
  );
  assert.equal(
    await svc.fx.store.exists('jobs/x1/job.json'),
    false,
    'nothing written for a rejected job',
  );
});
