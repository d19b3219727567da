import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { studentTrainer } from '@abd/proto';
import { serviceFixture, type ServiceFixture, tinyConfig } from '@abd/train/testing';
import { validateRunConfig, type RunConfig } from '@abd/train';
import { jobSpecsOf } from '@abd/train-io';
import { listAllJobs, unaryCall as call, watchJob } from './testing/trainer-client';
import { startTrainer, type TrainerServer } from './testing/trainer-server';

// Admission and job-state tests over a real server on 127.0.0.1:0 (batches in-process).
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
const S = studentTrainer.JobState;
let fx: ServiceFixture;
let tr: TrainerServer | undefined;
let client: studentTrainer.StudentTrainerClient | undefined;
let spec: studentTrainer.JobSpec;

/** A fresh trainer on the store (the previous one stopped), resuming what it finds there. */
async function serve(): Promise<TrainerServer> {
  await tr?.stop();
  tr = await startTrainer(fx.store, { recover: true });
  client = tr.client;
  return tr;
}
const rpc = <T>(method: Parameters<typeof call>[1], req: unknown): Promise<T> =>
  call<T>(client!, method, req);
const fail = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('no error'),
    (e: ServiceError) => e,
  );
const runOf = (s: studentTrainer.JobSpec) => (s.kind as { run: studentTrainer.RunJob }).run;
const withConfig = (
  f: (c: Record<string, unknown>) => Record<string, unknown>,
): studentTrainer.JobSpec => {
  const run = runOf(configSpec);
  return {
    ...configSpec,
    kind: {
      $case: 'run',
      run: { ...run, configJson: JSON.stringify(f(JSON.parse(run.configJson))) },
    },
  };
};
const withRun = (over: Partial<studentTrainer.RunJob>, base = spec): studentTrainer.JobSpec => ({
  ...base,
  kind: { $case: 'run', run: { ...runOf(base), ...over } },
});

/** The run job in the structured fields (no config_json), as a client that builds JobSpecs by hand sends it. */
function structuredSpecOf(
  cfg: RunConfig,
  method: string,
  teacherId: string,
): studentTrainer.JobSpec {
  const m = /(\d+)-(\d+)$/.exec(cfg.student.arch)!;
  const sub = cfg.dataset.subset;
  return {
    name: `${cfg.name}-${method}`,
    seed: cfg.seed,
    dataset: { name: cfg.dataset.name },
    subset: sub
      ? {
          size:
            sub.fraction !== undefined
              ? { $case: 'fraction', fraction: sub.fraction }
              : { $case: 'count', count: sub.count! },
          seed: sub.seed,
        }
      : undefined,
    batchSize: cfg.train.batchSize,
    lr: {
      initialLr: cfg.train.lr,
      momentum: cfg.train.momentum,
      weightDecay: cfg.train.weightDecay,
      nesterov: cfg.train.nesterov,
      milestones: [],
      divisor: 0,
      perStep: cfg.train.schedule === 'per-step',
    },
    augmentation: { pad: cfg.train.augment.pad, flip: cfg.train.augment.flip },
    kind: {
      $case: 'run',
      run: {
        teacherSource: { $case: 'teacher', teacher: { id: teacherId, epoch: 0 } },
        student: {
          family: 'wrn',
          depth: Number(m[1]),
          widen: Number(m[2]),
          numClasses: 0,
          init: 'paper',
        },
        initEpochs: cfg.epochs.e1,
        classifyEpochs: cfg.epochs.e2,
        method,
        kd: { temperature: cfg.kd.temperature, tSquared: cfg.kd.t2Factor, ceWeight: cfg.kd.alpha },
        outputPrefix: '',
        methodParams: { student_seed: cfg.student.seed },
        configJson: '',
      },
    },
  };
}
let configSpec: studentTrainer.JobSpec;
/** The config job with an ONNX teacher file of one tap (its weight: the default for one tap). */
function foreignSpec(teacher: { path?: string; taps?: string[] } = {}): studentTrainer.JobSpec {
  const c = JSON.parse(runOf(configSpec).configJson);
  return jobSpecsOf(
    validateRunConfig({
      ...c,
      teacher: { format: 'onnx', path: 'net.onnx', taps: ['a'], ...teacher },
      ab: { ...c.ab, weights: undefined },
    }),
    'teacher-a',
  )[0];
}

before(async () => {
  fx = await serviceFixture();
  process.env.ABD_CACHE_DIR = join(fx.dir, 'cache');
  const cfg = tinyConfig(fx.dataDir, { methods: ['kd'] });
  const noDir = { ...cfg, dataset: { ...cfg.dataset, dir: undefined } };
  spec = structuredSpecOf(noDir, 'kd', 'teacher-a');
  [configSpec] = jobSpecsOf(noDir, 'teacher-a');
  await serve();
});
after(async () => {
  await tr?.stop();
  fx.cleanup();
});

test('StartJob refuses, before any work, specs that would fail later or overflow a reported field', async () => {
  const big = 4294967295;
  const cases: [string, studentTrainer.JobSpec, status, RegExp][] = [
    [
      'epochs overflowing total_epochs',
      withRun({ initEpochs: big, classifyEpochs: big }),
      status.INVALID_ARGUMENT,
      /epochs\.e1.*≤ 10000/,
    ],
    [
      'path-like output_prefix',
      withRun({ outputPrefix: '../models/x' }),
      status.INVALID_ARGUMENT,
      /output_prefix/,
    ],
    [
      'batch_size 2^32-1',
      { ...spec, batchSize: big },
      status.INVALID_ARGUMENT,
      /batchSize.*≤ 8192/,
    ],
    [
      'widen 2^32-1',
      withRun({ student: { ...runOf(spec).student!, widen: big } }),
      status.INVALID_ARGUMENT,
      /student\.arch.*widen/,
    ],
    [
      'student_seed NaN',
      withRun({ methodParams: { student_seed: NaN } }),
      status.INVALID_ARGUMENT,
      /student_seed/,
    ],
    [
      'dataset not installed',
      { ...spec, dataset: { name: 'mnist' } },
      status.FAILED_PRECONDITION,
      /mnist.*not installed/,
    ],
    [
      'a structured spec with a dataset by format + path',
      {
        ...spec,
        dataset: {
          name: 'own',
          own: { $case: 'configJson', configJson: '{"format":"idx","path":"d"}' },
        },
      },
      status.INVALID_ARGUMENT,
      /spec\.dataset\.config_json.*spec\.run\.config_json/,
    ],
    [
      'config_json epochs overflowing total_epochs',
      withConfig((c) => ({ ...c, epochs: { e1: big, e2: big } })),
      status.INVALID_ARGUMENT,
      /config_json\.epochs\.e1/,
    ],
    // A user's files are read at admission with the pipeline's loaders: said at once, not a failure deep in the job.
    [
      'an ONNX teacher file that is not there',
      foreignSpec(),
      status.INVALID_ARGUMENT,
      /config_json\.teacher\.path.*file not found: .*net\.onnx/,
    ],
    [
      'an ONNX teacher with a tap it does not have',
      foreignSpec({ path: ONNX_TEACHER, taps: ['nope'] }),
      status.INVALID_ARGUMENT,
      /config_json\.teacher\.taps.*'nope'/,
    ],
    [
      'an ONNX teacher for other images than the data',
      foreignSpec({ path: ONNX_TEACHER, taps: ['/net/conv1/Conv_output_0'] }),
      status.INVALID_ARGUMENT,
      /config_json\.teacher\.path.*28×28×1/,
    ],
    [
      'an npz dataset that is not there',
      withConfig((c) => ({
        ...c,
        dataset: { format: 'npz', path: 'data/own.npz', layout: 'nhwc' },
      })),
      status.INVALID_ARGUMENT,
      /config_json\.dataset\.path.*file not found/,
    ],
  ];
  for (const [i, [name, s, code, msg]] of cases.entries()) {
    const e = await fail(rpc('startJob', { jobId: `bad-${i}`, spec: s, resume: false }));
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
    assert.equal(
      await fx.store.exists(`jobs/bad-${i}/job.json`),
      false,
      `${name}: nothing written`,
    );
  }
  assert.deepEqual(await listAllJobs(client!, S.JOB_STATE_UNSPECIFIED), []);
});

test('a job.json an older trainer wrote with overflowing counts does not break ListJobs after a restart', async () => {
  const bad = studentTrainer.Job.toJSON({
    id: 'old-bad',
    spec: withRun({ initEpochs: 4294967295, classifyEpochs: 4294967295 }),
    state: S.JOB_STATE_RUNNING,
    stage: 'classify',
    epoch: 0,
    totalEpochs: 8589934590,
    metrics: {},
    error: '',
    outputModels: [],
    createdMs: 1,
    updatedMs: 1,
  });
  await fx.store.putJson('jobs/old-bad/job.json', bad);
  const { resumed } = await serve();
  assert.deepEqual(resumed, [], 'not resumed');
  assert.deepEqual(
    (await listAllJobs(client!, S.JOB_STATE_UNSPECIFIED)).map((j) => j.id),
    ['old-bad'],
  );
  const j = await rpc<studentTrainer.Job>('getJob', { jobId: 'old-bad' });
  assert.equal(j.state, S.JOB_STATE_FAILED);
  assert.match(j.error, /out of range/);
  await fx.store.delete('jobs/old-bad/job.json');
});

test('job.json follows the server state with cancels racing jobs; a restart resurrects no final job', async () => {
  const ids = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
  const { jobs } = await serve();
  const saved = async (id: string) =>
    studentTrainer.Job.fromJSON(await fx.store.getJson(`jobs/${id}/job.json`)).state;
  for (const id of ids) {
    await rpc('startJob', { jobId: id, spec, resume: false });
    // Once StartJob answers, the job is in the store (it may have started since).
    assert.ok([S.JOB_STATE_QUEUED, S.JOB_STATE_RUNNING].includes(await saved(id)), `${id} saved`);
  }
  // r0 runs: cancel it at its first progress; the queued r1, r3 are cancelled at once.
  let cancelled = false;
  const watched = watchJob(client!, 'r0', (e) => {
    if (!cancelled && e.event?.$case === 'progress') {
      cancelled = true;
      void rpc('cancelJob', { jobId: 'r0' });
    }
  });
  for (const id of ['r1', 'r3']) {
    const c = await rpc<studentTrainer.Job>('cancelJob', { jobId: id });
    assert.equal(c.state, S.JOB_STATE_CANCELLED);
    assert.equal(
      await saved(id),
      S.JOB_STATE_CANCELLED,
      `${id}: job.json says CANCELLED once CancelJob answered`,
    );
  }
  await watched;
  // r2 races: cancelled right as it may start.
  await watchJob(client!, 'r1');
  await rpc('cancelJob', { jobId: 'r2' });
  await jobs.idle();
  const final = new Map<string, studentTrainer.JobState>();
  for (const id of ids) {
    const j = await rpc<studentTrainer.Job>('getJob', { jobId: id });
    final.set(id, j.state);
    assert.ok(
      [S.JOB_STATE_CANCELLED, S.JOB_STATE_SUCCEEDED].includes(j.state),
      `${id}: ${S[j.state]} ${j.error}`,
    );
    assert.equal(await saved(id), j.state, `${id}: job.json agrees with the server`);
  }
  for (const id of ['r1', 'r3']) assert.equal(final.get(id), S.JOB_STATE_CANCELLED, id);
  const again = await serve();
  assert.deepEqual(again.resumed, [], 'no final job re-queued');
  for (const id of ids)
    assert.equal((await rpc<studentTrainer.Job>('getJob', { jobId: id })).state, final.get(id));
});
