import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { studentTrainer } from '@abd/proto';
import { runPipeline, validateRunConfig, type RunConfig } from '@abd/train';
import { tinyConfig } from '@abd/train/testing';
import { jobSpecsOf } from '@abd/train-io';
import { assertSameWeights, unaryCall, watchJob } from './testing/trainer-client';
import {
  startTrainer,
  startTrainerStack,
  type TrainerServer,
  type TrainerStack,
} from './testing/trainer-server';

const BATCH = 16;
let svc: TrainerStack;
/** A second trainer on the same store and extractor (a trainer runs one job at a time). */
let second: TrainerServer;
let runs: { jobId: string; cfg: RunConfig }[];

/** A Prometheus histogram's total count and the count at or below `le`. */
async function histogram(url: string, name: string, le: number) {
  const text = await (await fetch(url)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    count: num(new RegExp(`^${name}_count (\\S+)$`, 'm')),
    atMost: num(new RegExp(`^${name}_bucket\\{le="${le}"\\} (\\S+)$`, 'm')),
  };
}

before(async () => {
  // Two replicas behind one extractor that keeps two batches in flight per stream, each on the
  // lane with the fewest outstanding: one student's stream has at most one call at a replica at a
  // time, so a forward pass that merged two calls merged both students' streams. (With one batch
  // in flight the two streams' round-robins can stay out of phase and never meet at a replica.)
  // A batch of two calls (32 images) is computed at once; a lone call waits up to 2 s for another.
  svc = await startTrainerStack({
    teachers: 2,
    window: 2,
    teacherEnv: {
      ABD_TEACHER_MAX_BATCH_SIZE: String(2 * BATCH),
      ABD_TEACHER_MAX_QUEUE_DELAY_US: '2000000',
    },
  });
  second = await startTrainer(svc.fx.store, {
    extractor: svc.stack.extractorClient,
    workers: { storeDir: svc.fx.storeDir, extractorAddress: svc.stack.extractor!.address },
  });
  const base = tinyConfig(svc.fx.dataDir);
  const cfgOf = (method: 'kd' | 'ab+kd', seed: number) =>
    validateRunConfig({
      ...base,
      seed,
      student: { ...base.student, seed },
      dataset: { ...base.dataset, subset: { count: 32, seed: 1 } },
      teacher: { ...base.teacher, checkpoint: 'models/teacher-a' },
      methods: [method],
      epochs: { e1: 1, e2: 2 },
      train: { ...base.train, batchSize: BATCH },
    });
  runs = [
    { jobId: 'pool-kd-s1', cfg: cfgOf('kd', 1) },
    { jobId: 'pool-abkd-s2', cfg: cfgOf('ab+kd', 2) },
  ];
  // Each student alone, in-process: the reference.
  for (const r of runs) await runPipeline(r.cfg, { store: svc.fx.store, runId: `ref-${r.jobId}` });
});
after(async () => {
  await second.stop();
  await svc.stop();
});

test('two students on two trainers stream from one extractor and its teacher replicas at once: each gets its own batches (weights bitwise its run alone) and the replicas merge their calls', async (t) => {
  const teachers = svc.stack.teachers;
  const before = await Promise.all(
    teachers.map((t) => histogram(t.metricsUrl!, 'abd_teacher_batch_requests', 1)),
  );
  const trainers = [svc.trainer, second.client];
  await Promise.all(
    runs.map(({ jobId, cfg }, i) =>
      unaryCall(trainers[i], 'startJob', {
        jobId,
        spec: jobSpecsOf(cfg, 'teacher-a')[0],
        resume: false,
      }),
    ),
  );
  await Promise.all(runs.map(({ jobId }, i) => watchJob(trainers[i], jobId)));
  for (const [i, { jobId, cfg }] of runs.entries()) {
    const job = await unaryCall<studentTrainer.Job>(trainers[i], 'getJob', { jobId });
    assert.equal(job.state, studentTrainer.JobState.JOB_STATE_SUCCEEDED, job.error);
    const m = cfg.methods[0];
    await assertSameWeights(
      svc.fx.store,
      `runs/ref-${jobId}/${m}/final`,
      `runs/${jobId}/${m}/final`,
    );
  }
  const afterRuns = await Promise.all(
    teachers.map((t) => histogram(t.metricsUrl!, 'abd_teacher_batch_requests', 1)),
  );
  const images = await Promise.all(
    teachers.map((t) => histogram(t.metricsUrl!, 'abd_teacher_batch_images', BATCH)),
  );
  const passes = afterRuns.reduce((s, h, i) => s + h.count - before[i].count, 0);
  const merged = afterRuns.reduce(
    (s, h, i) => s + (h.count - h.atMost) - (before[i].count - before[i].atMost),
    0,
  );
  t.diagnostic(`${merged} of ${passes} forward passes merged two students' calls`);
  assert.ok(passes > 0, 'the replicas computed the batches');
  assert.ok(merged > 0, `some forward passes merged both students' calls (${merged} of ${passes})`);
  // A merged pass holds more images than one caller's request (a batch of 16).
  assert.ok(
    images.some((h) => h.count > h.atMost),
    `a forward pass of more than ${BATCH} images`,
  );
});
