// Teacher, AB-init and classify jobs through a real trainer + boundary-extractor +
// teacher-inference on 127.0.0.1:0, compared with the in-process library calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { loadDataset, channelStats } from '@abd/data';
import { studentTrainer } from '@abd/proto';
import { runPipeline, trainTeacher, validateRunConfig, type RunConfig } from '@abd/train';
import { tinyConfig } from '@abd/train/testing';
import { assertSameWeights, listAllJobs, unaryCall, watchJob } from './testing/trainer-client';
import { startTrainerStack, type TrainerStack } from './testing/trainer-server';

let svc: TrainerStack;
const S = studentTrainer.JobState;

before(async () => {
  svc = await startTrainerStack();
});
after(() => svc.stop());

const wrn101 = { family: 'wrn', depth: 10, widen: 1, numClasses: 0, init: 'paper' };
/** What tinyConfig trains on: 64 of the 160 images, batches of 32, seed 1, pad-4 crops. */
const base = {
  seed: 1,
  dataset: { name: 'fashion-mnist' },
  subset: { size: { $case: 'count', count: 64 }, seed: 0 },
  batchSize: 32,
  augmentation: { pad: 4, flip: false },
} as const;
const ref = (id: string) => ({ id, epoch: 0 });
/** A JobSpec with its unset scalars filled in, as a client's generated code would send it. */
const jobSpec = (o: unknown): studentTrainer.JobSpec =>
  (studentTrainer.JobSpec.fromPartial as (x: unknown) => studentTrainer.JobSpec)(o);

async function runJob(
  jobId: string,
  spec: unknown,
  onEvent?: (e: studentTrainer.JobEvent) => void,
): Promise<{ job: studentTrainer.Job; events: studentTrainer.JobEvent[] }> {
  await unaryCall(svc.trainer, 'startJob', { jobId, spec: jobSpec(spec), resume: false });
  const events = await watchJob(svc.trainer, jobId, onEvent);
  return { job: await unaryCall<studentTrainer.Job>(svc.trainer, 'getJob', { jobId }), events };
}

/** The in-process run a stage-job test compares with: the tiny config on the stored teacher-a. */
async function referenceRun(runId: string, over: Partial<RunConfig>): Promise<void> {
  const cfg = tinyConfig(svc.fx.dataDir, {
    teacher: { ...tinyConfig(svc.fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
    ...over,
  });
  await runPipeline(cfg, { store: svc.fx.store, runId });
}

/** Stage-job specs over `base`: an AB-init (or feature-init) job, a classify job, a teacher job. */
const abInit = (o: object) => ({
  ...base,
  kind: {
    $case: 'abInit',
    abInit: { teacher: ref('teacher-a'), student: wrn101, epochs: 1, outputModel: '', ...o },
  },
});
const classify = (o: object) => ({
  ...base,
  kind: {
    $case: 'classify',
    classify: { student: wrn101, method: 'ce', epochs: 1, methodParams: {}, ...o },
  },
});
const teacher = (o: object) => ({
  ...base,
  subset: undefined,
  kind: { $case: 'teacher', teacher: { arch: wrn101, epochs: 1, outputModel: '', ...o } },
});

test('a teacher job trains the in-process trainTeacher teacher and publishes it; a cancelled one resumes to it', async () => {
  const spec = {
    ...base,
    subset: undefined,
    kind: { $case: 'teacher', teacher: { arch: wrn101, epochs: 2, outputModel: 'teacher-b' } },
  };
  const { job, events } = await runJob('t1', spec);
  assert.equal(job.state, S.JOB_STATE_SUCCEEDED, job.error);
  assert.deepEqual(job.outputModels, ['teacher-b']);
  assert.equal(job.totalEpochs, 2);
  assert.ok(Number.isFinite(job.metrics.test_error_percent));
  assert.deepEqual(
    events
      .filter((e) => e.event?.$case === 'epoch')
      .map((e) => e.event?.$case === 'epoch' && `${e.event.epoch.stage} ${e.event.epoch.epoch}`),
    ['teacher 1', 'teacher 2'],
  );

  // The structured job fields mean the paper code's recipe.
  const cfg = validateRunConfig({
    name: 'ref-teacher',
    recipe: 'paper-code',
    seed: 1,
    dataset: { name: 'fashion-mnist', dir: svc.fx.dataDir },
    teacher: { arch: 'wrn-10-1', epochs: 2 },
    student: { arch: 'wrn-10-1' },
    train: { batchSize: 32 },
  });
  const [train, testSet] = await Promise.all([
    loadDataset('fashion-mnist', 'train', { dir: svc.fx.dataDir }),
    loadDataset('fashion-mnist', 'test', { dir: svc.fx.dataDir }),
  ]);
  (
    await trainTeacher(cfg, train, testSet, channelStats(train), svc.fx.store, 'ref/teacher', {})
  ).model.dispose();
  await assertSameWeights(svc.fx.store, 'ref/teacher', 'models/teacher-b');

  let cancelled = false;
  const first = await runJob(
    't2',
    {
      ...spec,
      kind: { $case: 'teacher', teacher: { ...spec.kind.teacher, outputModel: 'teacher-c' } },
    },
    (e) => {
      if (!cancelled && e.event?.$case === 'progress') {
        cancelled = true;
        void unaryCall(svc.trainer, 'cancelJob', { jobId: 't2' });
      }
    },
  );
  assert.equal(first.job.state, S.JOB_STATE_CANCELLED);
  assert.equal(
    await svc.fx.store.exists('models/teacher-c/model.json'),
    false,
    'nothing published before it finished',
  );
  await unaryCall(svc.trainer, 'startJob', { jobId: 't2', resume: true });
  await watchJob(svc.trainer, 't2');
  const resumed = await unaryCall<studentTrainer.Job>(svc.trainer, 'getJob', { jobId: 't2' });
  assert.equal(resumed.state, S.JOB_STATE_SUCCEEDED, resumed.error);
  await assertSameWeights(svc.fx.store, 'models/teacher-b', 'models/teacher-c');
});

test('AB-init → KD classify jobs give the in-process ab+kd student; a CE classify job the CE baseline', async () => {
  await referenceRun('ref', { methods: ['none', 'ab+kd'] });

  const ab = await runJob('ab1', abInit({ outputModel: 'student-ab' }));
  assert.equal(ab.job.state, S.JOB_STATE_SUCCEEDED, ab.job.error);
  assert.deepEqual(ab.job.outputModels, ['student-ab']);
  assert.ok(
    ab.events.some(
      (e) =>
        e.event?.$case === 'epoch' &&
        e.event.epoch.stage === 'ab-init' &&
        e.event.epoch.similarity.length === 3,
    ),
  );
  assert.ok(ab.job.metrics.similarity_tap3 > 0);

  const kd = await runJob(
    'kd1',
    classify({
      init: ref('student-ab'),
      student: undefined,
      method: 'kd',
      teacher: ref('teacher-a'),
      dataEpochOffset: 1,
      outputModel: 'student-ab-kd',
    }),
  );
  assert.equal(kd.job.state, S.JOB_STATE_SUCCEEDED, kd.job.error);
  await assertSameWeights(svc.fx.store, 'runs/ref/ab+kd/final', 'models/student-ab-kd');

  // No output_model: the job id; a fresh student (seed 1) for E1 + E2 epochs, as the run's CE baseline.
  const ce = await runJob('ce1', classify({ epochs: 2 }));
  assert.equal(ce.job.state, S.JOB_STATE_SUCCEEDED, ce.job.error);
  assert.deepEqual(ce.job.outputModels, ['ce1']);
  await assertSameWeights(svc.fx.store, 'runs/ref/none/final', 'models/ce1');
});

test("a classify job of a joint-term method (at+kd) gives the in-process run's student", async () => {
  // AT + KD has no init stage: the run classifies for E1 + E2 epochs from data epoch 0.
  await referenceRun('ref-at', { name: 'test/tiny-at', methods: ['at+kd'], at: { beta: 500 } });
  const at = await runJob(
    'at1',
    classify({
      method: 'at+kd',
      teacher: ref('teacher-a'),
      epochs: 2,
      outputModel: 'student-at-kd',
      methodParams: { beta: 500 },
    }),
  );
  assert.equal(at.job.state, S.JOB_STATE_SUCCEEDED, at.job.error);
  assert.ok(Number.isFinite(at.job.metrics.test_error_percent));
  await assertSameWeights(svc.fx.store, 'runs/ref-at/at+kd/final', 'models/student-at-kd');
});

test("an init job of a feature baseline (fitnets+kd) → KD classify job gives the in-process run's student", async () => {
  await referenceRun('ref-fitnets', {
    name: 'test/tiny-fitnets',
    methods: ['fitnets+kd'],
    fitnets: { weight: 2e-3 },
  });
  const init = await runJob(
    'fit1',
    abInit({
      outputModel: 'student-fitnets',
      method: 'fitnets+kd',
      methodParams: { weight: 2e-3 },
    }),
  );
  assert.equal(init.job.state, S.JOB_STATE_SUCCEEDED, init.job.error);
  const kd = await runJob(
    'fit2',
    classify({
      init: ref('student-fitnets'),
      student: undefined,
      method: 'fitnets+kd',
      teacher: ref('teacher-a'),
      dataEpochOffset: 1,
      outputModel: 'student-fitnets-kd',
    }),
  );
  assert.equal(kd.job.state, S.JOB_STATE_SUCCEEDED, kd.job.error);
  await assertSameWeights(
    svc.fx.store,
    'runs/ref-fitnets/fitnets+kd/final',
    'models/student-fitnets-kd',
  );
});

test('bad stage jobs get NOT_FOUND / INVALID_ARGUMENT naming the field / ALREADY_EXISTS; nothing is written', async () => {
  // [case, spec, what the message names, status (default INVALID_ARGUMENT)]
  const cases: [string, unknown, RegExp, status?][] = [
    [
      'unknown teacher',
      abInit({ teacher: ref('ghost') }),
      /model 'ghost' not found/,
      status.NOT_FOUND,
    ],
    [
      'unknown teacher epoch',
      abInit({ teacher: { id: 'teacher-a', epoch: 7 } }),
      /teacher-a' epoch 7/,
      status.NOT_FOUND,
    ],
    ['path-like teacher', abInit({ teacher: ref('../teacher-a') }), /spec\.ab_init\.teacher\.id/],
    ['path-like output', abInit({ outputModel: 'a/../../b' }), /spec\.ab_init\.output_model/],
    ['bad depth', abInit({ student: { ...wrn101, depth: 11 } }), /spec\.ab_init\.student\.depth/],
    [
      'bad reset fraction',
      abInit({
        ab: {
          mu: 0,
          tapWeights: [],
          teacherBnTrainMode: false,
          lr: 0,
          optimizerResetFraction: 0.5,
        },
      }),
      /optimizer_reset_fraction/,
    ],
    [
      'non-finite mu',
      abInit({
        ab: {
          mu: Infinity,
          tapWeights: [],
          teacherBnTrainMode: false,
          lr: 0,
          optimizerResetFraction: 0,
        },
      }),
      /spec\.ab_init\.ab\.mu/,
    ],
    [
      'init job of a method without an init stage',
      abInit({ method: 'kd' }),
      /spec\.ab_init\.method/,
    ],
    ['parameters for AB', abInit({ methodParams: { mu: 1 } }), /spec\.ab_init\.method_params/],
    [
      "a feature init's unknown parameter",
      abInit({ method: 'fitnets+kd', methodParams: { hint: 2 } }),
      /spec\.ab_init\.method_params\.hint/,
    ],
    ['unknown init model', classify({ init: ref('nobody') }), /nobody/, status.NOT_FOUND],
    [
      'init arch mismatch',
      classify({ init: ref('teacher-a'), student: { ...wrn101, depth: 16 } }),
      /spec\.classify\.student.*wrn-10-1/,
    ],
    ['unknown method', classify({ method: 'magic' }), /spec\.classify\.method/],
    ['kd without teacher', classify({ method: 'kd' }), /spec\.classify\.teacher/],
    ['method params', classify({ methodParams: { beta: 1 } }), /spec\.classify\.method_params/],
    ['joint method without teacher', classify({ method: 'at+kd' }), /spec\.classify\.teacher/],
    [
      "a joint term's unknown parameter",
      classify({ method: 'at+kd', teacher: ref('teacher-a'), methodParams: { gamma: 1 } }),
      /spec\.classify\.method_params\.gamma/,
    ],
    [
      "a joint term's bad value",
      classify({ method: 'jacobian+kd', teacher: ref('teacher-a'), methodParams: { lambda: -1 } }),
      /spec\.classify\.method_params\.lambda/,
    ],
    ['no student', classify({ student: undefined }), /spec\.classify\.student/],
    ['teacher on a subset', { ...teacher({}), subset: base.subset }, /spec\.subset/],
    [
      'unknown family',
      teacher({ arch: { ...wrn101, family: 'vgg' } }),
      /spec\.teacher\.arch\.family/,
    ],
    [
      'bad milestones',
      {
        ...teacher({}),
        lr: {
          initialLr: 0.1,
          momentum: 0,
          weightDecay: 0,
          nesterov: true,
          milestones: [0.5],
          divisor: 0,
          perStep: false,
        },
      },
      /spec\.lr\.milestones/,
    ],
    ['unknown dataset', { ...teacher({}), dataset: { name: 'imagenet' } }, /dataset/],
    [
      'output exists',
      teacher({ outputModel: 'teacher-a' }),
      /output_model.*teacher-a/,
      status.ALREADY_EXISTS,
    ],
  ];
  for (const [name, spec, msg, code = status.INVALID_ARGUMENT] of cases) {
    const e = await unaryCall(svc.trainer, 'startJob', {
      jobId: 'bad',
      spec: jobSpec(spec),
      resume: false,
    }).then(
      () => assert.fail(`${name}: no error`),
      (err: ServiceError) => err,
    );
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
  }
  assert.equal(
    await svc.fx.store.exists('jobs/bad/job.json'),
    false,
    'nothing written for a rejected job',
  );
  const jobs = await listAllJobs(svc.trainer, S.JOB_STATE_UNSPECIFIED);
  assert.ok(!jobs.some((j) => j.id === 'bad'));
});
