// Teacher, AB-init and classify jobs through a real trainer + boundary-extractor +
// teacher-inference on 127.0.0.1:0, compared with the in-process library calls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { loadDataset, channelStats } from '@abd/data';
import { studentTrainer } from '@abd/proto';
import { runPipeline, trainTeacher, validateRunConfig } from '@abd/train';
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
  const cfg = tinyConfig(svc.fx.dataDir, {
    methods: ['none', 'ab+kd'],
    teacher: { ...tinyConfig(svc.fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
  });
  await runPipeline(cfg, { store: svc.fx.store, runId: 'ref' });

  const ab = await runJob('ab1', {
    ...base,
    kind: {
      $case: 'abInit',
      abInit: { teacher: ref('teacher-a'), student: wrn101, epochs: 1, outputModel: 'student-ab' },
    },
  });
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

  const kdSpec = {
    ...base,
    kind: {
      $case: 'classify',
      classify: {
        init: ref('student-ab'),
        method: 'kd',
        teacher: ref('teacher-a'),
        epochs: 1,
        dataEpochOffset: 1,
        outputModel: 'student-ab-kd',
        methodParams: {},
      },
    },
  };
  const kd = await runJob('kd1', kdSpec);
  assert.equal(kd.job.state, S.JOB_STATE_SUCCEEDED, kd.job.error);
  await assertSameWeights(svc.fx.store, 'runs/ref/ab+kd/final', 'models/student-ab-kd');

  // No output_model: the job id; a fresh student (seed 1) for E1 + E2 epochs, as the run's CE baseline.
  const ce = await runJob('ce1', {
    ...base,
    kind: {
      $case: 'classify',
      classify: { student: wrn101, method: 'ce', epochs: 2, methodParams: {} },
    },
  });
  assert.equal(ce.job.state, S.JOB_STATE_SUCCEEDED, ce.job.error);
  assert.deepEqual(ce.job.outputModels, ['ce1']);
  await assertSameWeights(svc.fx.store, 'runs/ref/none/final', 'models/ce1');
});

test("a classify job of a joint-term method (at+kd) gives the in-process run's student", async () => {
  // AT + KD has no init stage: the run classifies for E1 + E2 epochs from data epoch 0.
  const cfg = tinyConfig(svc.fx.dataDir, {
    name: 'test/tiny-at',
    methods: ['at+kd'],
    teacher: { ...tinyConfig(svc.fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
    at: { beta: 500 },
  });
  await runPipeline(cfg, { store: svc.fx.store, runId: 'ref-at' });
  const at = await runJob('at1', {
    ...base,
    kind: {
      $case: 'classify',
      classify: {
        student: wrn101,
        method: 'at+kd',
        teacher: ref('teacher-a'),
        epochs: 2,
        outputModel: 'student-at-kd',
        methodParams: { beta: 500 },
      },
    },
  });
  assert.equal(at.job.state, S.JOB_STATE_SUCCEEDED, at.job.error);
  assert.ok(Number.isFinite(at.job.metrics.test_error_percent));
  await assertSameWeights(svc.fx.store, 'runs/ref-at/at+kd/final', 'models/student-at-kd');
});

test("an init job of a feature baseline (fitnets+kd) → KD classify job gives the in-process run's student", async () => {
  const cfg = tinyConfig(svc.fx.dataDir, {
    name: 'test/tiny-fitnets',
    methods: ['fitnets+kd'],
    teacher: { ...tinyConfig(svc.fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
    fitnets: { weight: 2e-3 },
  });
  await runPipeline(cfg, { store: svc.fx.store, runId: 'ref-fitnets' });
  const init = await runJob('fit1', {
    ...base,
    kind: {
      $case: 'abInit',
      abInit: {
        teacher: ref('teacher-a'),
        student: wrn101,
        epochs: 1,
        outputModel: 'student-fitnets',
        method: 'fitnets+kd',
        methodParams: { weight: 2e-3 },
      },
    },
  });
  assert.equal(init.job.state, S.JOB_STATE_SUCCEEDED, init.job.error);
  const kd = await runJob('fit2', {
    ...base,
    kind: {
      $case: 'classify',
      classify: {
        init: ref('student-fitnets'),
        method: 'fitnets+kd',
        teacher: ref('teacher-a'),
        epochs: 1,
        dataEpochOffset: 1,
        outputModel: 'student-fitnets-kd',
        methodParams: {},
      },
    },
  });
  assert.equal(kd.job.state, S.JOB_STATE_SUCCEEDED, kd.job.error);
  await assertSameWeights(
    svc.fx.store,
    'runs/ref-fitnets/fitnets+kd/final',
    'models/student-fitnets-kd',
  );
});

test('bad stage jobs get NOT_FOUND / INVALID_ARGUMENT naming the field / ALREADY_EXISTS; nothing is written', async () => {
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
  const cases: [string, unknown, status, RegExp][] = [
    [
      'unknown teacher',
      abInit({ teacher: ref('ghost') }),
      status.NOT_FOUND,
      /model 'ghost' not found/,
    ],
    [
      'unknown teacher epoch',
      abInit({ teacher: { id: 'teacher-a', epoch: 7 } }),
      status.NOT_FOUND,
      /teacher-a' epoch 7/,
    ],
    [
      'path-like teacher',
      abInit({ teacher: ref('../teacher-a') }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.teacher\.id/,
    ],
    [
      'path-like output',
      abInit({ outputModel: 'a/../../b' }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.output_model/,
    ],
    [
      'bad depth',
      abInit({ student: { ...wrn101, depth: 11 } }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.student\.depth/,
    ],
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
      status.INVALID_ARGUMENT,
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
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.ab\.mu/,
    ],
    [
      'init job of a method without an init stage',
      abInit({ method: 'kd' }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.method/,
    ],
    [
      'parameters for AB',
      abInit({ methodParams: { mu: 1 } }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.method_params/,
    ],
    [
      "a feature init's unknown parameter",
      abInit({ method: 'fitnets+kd', methodParams: { hint: 2 } }),
      status.INVALID_ARGUMENT,
      /spec\.ab_init\.method_params\.hint/,
    ],
    ['unknown init model', classify({ init: ref('nobody') }), status.NOT_FOUND, /nobody/],
    [
      'init arch mismatch',
      classify({ init: ref('teacher-a'), student: { ...wrn101, depth: 16 } }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.student.*wrn-10-1/,
    ],
    [
      'unknown method',
      classify({ method: 'magic' }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.method/,
    ],
    [
      'kd without teacher',
      classify({ method: 'kd' }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.teacher/,
    ],
    [
      'method params',
      classify({ methodParams: { beta: 1 } }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.method_params/,
    ],
    [
      'joint method without teacher',
      classify({ method: 'at+kd' }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.teacher/,
    ],
    [
      "a joint term's unknown parameter",
      classify({ method: 'at+kd', teacher: ref('teacher-a'), methodParams: { gamma: 1 } }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.method_params\.gamma/,
    ],
    [
      "a joint term's bad value",
      classify({ method: 'jacobian+kd', teacher: ref('teacher-a'), methodParams: { lambda: -1 } }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.method_params\.lambda/,
    ],
    [
      'no student',
      classify({ student: undefined }),
      status.INVALID_ARGUMENT,
      /spec\.classify\.student/,
    ],
    [
      'teacher on a subset',
      { ...teacher({}), subset: base.subset },
      status.INVALID_ARGUMENT,
      /spec\.subset/,
    ],
    [
      'unknown family',
      teacher({ arch: { ...wrn101, family: 'vgg' } }),
      status.INVALID_ARGUMENT,
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
      status.INVALID_ARGUMENT,
      /spec\.lr\.milestones/,
    ],
    [
      'unknown dataset',
      { ...teacher({}), dataset: { name: 'imagenet' } },
      status.INVALID_ARGUMENT,
      /dataset/,
    ],
    [
      'output exists',
      teacher({ outputModel: 'teacher-a' }),
      status.ALREADY_EXISTS,
      /output_model.*teacher-a/,
    ],
  ];
  for (const [name, spec, code, msg] of cases) {
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
