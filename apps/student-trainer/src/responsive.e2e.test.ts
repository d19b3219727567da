// A served trainer answers while a job trains: its compute runs in a worker process
// (job-runner.ts), so health checks, GetJob and CancelJob are not held up by the training.
// The health checks come from another process (@abd/train-io/testing's health prober).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { serviceFixture, type ServiceFixture } from '@abd/train/testing';
import { JobManager } from './job-manager';
import { childRunner } from './job-runner';
import { studentTrainerService } from './student-trainer.service';
import { quantile, startHealthProber } from '@abd/train-io/testing';
import { unaryCall, watchJob } from './testing/trainer-client';

let fx: ServiceFixture;
let server: RunningServer;
let trainer: studentTrainer.StudentTrainerClient;
let address: string;
const S = studentTrainer.JobState;

before(async () => {
  fx = await serviceFixture();
  // No extractor: the worker makes the batches itself, so all of a job's compute is in it.
  const jobs = new JobManager({
    store: fx.store,
    runner: childRunner({ env: { ABD_STORE: fx.storeDir, ABD_EXTRACTOR_ADDRESS: '' } }),
    log: silentLogger,
  });
  server = await startServer({
    log: silentLogger,
    tls: null,
    host: '127.0.0.1',
    port: 0,
    auth: null,
    services: [studentTrainerService(jobs, silentLogger)],
  });
  address = `127.0.0.1:${server.port}`;
  trainer = makeClient(studentTrainer.StudentTrainerClient, address);
});
after(async () => {
  trainer.close();
  await server.shutdown(200);
  fx.cleanup();
});

/** A teacher job of WRN-16-2 on the fixture's 160 images in batches of 160: one step is a few hundred ms of compute. */
const teacherSpec = (output: string, epochs: number) =>
  (studentTrainer.JobSpec.fromPartial as (x: unknown) => studentTrainer.JobSpec)({
    seed: 1,
    dataset: { name: 'fashion-mnist' },
    batchSize: 160,
    augmentation: { pad: 4, flip: false },
    kind: {
      $case: 'teacher',
      teacher: {
        arch: { family: 'wrn', depth: 16, widen: 2, numClasses: 0, init: 'paper' },
        epochs,
        outputModel: output,
      },
    },
  });

test('health on new connections answers within 1 s (p99) while a job trains; none fails', async (t) => {
  await unaryCall(trainer, 'startJob', {
    jobId: 'busy',
    spec: teacherSpec('teacher-busy', 2),
    resume: false,
  });
  const prober = startHealthProber(address);
  await watchJob(trainer, 'busy');
  const { latencies, failed, errors } = await prober.stop();
  const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'busy' });
  assert.equal(job.state, S.JOB_STATE_SUCCEEDED, job.error);
  const late = latencies.filter((l) => l > 1000).length;
  t.diagnostic(
    `${latencies.length} health checks, ${failed} failed, ${late} over 1 s, p99 ${quantile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  assert.ok(latencies.length >= 20, `probed ${latencies.length} times during the job`);
  assert.equal(
    failed,
    0,
    `${failed} of ${latencies.length} health checks failed: ${errors.join('; ')}`,
  );
  assert.ok(
    quantile(latencies, 0.99) < 1000 && late <= latencies.length / 100,
    `p99 ${quantile(latencies, 0.99).toFixed(0)} ms, ${late} of ${latencies.length} over 1 s`,
  );
});

test('GetJob and CancelJob answer at once during a step; a cancelled job ends CANCELLED', async () => {
  await unaryCall(trainer, 'startJob', {
    jobId: 'stop',
    spec: teacherSpec('teacher-stop', 20),
    resume: false,
  });
  let firstProgress!: () => void;
  const progressed = new Promise<void>((r) => (firstProgress = r));
  const finished = watchJob(
    trainer,
    'stop',
    (e) => e.event?.$case === 'progress' && firstProgress(),
  );
  await progressed;
  const t0 = performance.now();
  const running = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'stop' });
  await unaryCall(trainer, 'cancelJob', { jobId: 'stop' });
  const took = performance.now() - t0;
  assert.equal(running.state, S.JOB_STATE_RUNNING);
  assert.ok(took < 1000, `GetJob + CancelJob took ${took.toFixed(0)} ms`);
  await finished;
  const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'stop' });
  assert.equal(job.state, S.JOB_STATE_CANCELLED, job.error);
  assert.ok(job.epoch < 20, `stopped at epoch ${job.epoch}`);
});

/** Pids of this process's job workers. */
const workers = (): number[] =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('job-worker'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

/**
 * The job workers still alive after up to `ms`: a worker answers 'done' (the job is then
 * SUCCEEDED or CANCELLED) a moment before its process exits, longer on a loaded machine.
 */
async function workersAfter(ms: number): Promise<number[]> {
  const end = performance.now() + ms;
  let left = workers();
  while (left.length > 0 && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    left = workers();
  }
  return left;
}

test('a worker that dies fails its job, naming the resume; StartJob with resume finishes it from the checkpoint', async () => {
  const spec = { ...teacherSpec('teacher-killed', 3), batchSize: 32 };
  await unaryCall(trainer, 'startJob', { jobId: 'killed', spec, resume: false });
  let killed = false;
  await watchJob(trainer, 'killed', (e) => {
    // In epoch 2, the checkpoint of epoch 1 is written.
    if (
      !killed &&
      e.event?.$case === 'progress' &&
      e.event.progress.message.startsWith('epoch 2 ')
    ) {
      killed = true;
      for (const pid of workers()) process.kill(pid, 'SIGKILL');
    }
  });
  const failed = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'killed' });
  assert.equal(failed.state, S.JOB_STATE_FAILED);
  assert.match(failed.error, /worker process exited \(SIGKILL\).*resume/);
  await unaryCall(trainer, 'startJob', { jobId: 'killed', resume: true });
  const events = await watchJob(trainer, 'killed');
  const done = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'killed' });
  assert.equal(done.state, S.JOB_STATE_SUCCEEDED, done.error);
  assert.deepEqual(done.outputModels, ['teacher-killed']);
  assert.ok(
    events.some((e) => e.event?.$case === 'log' && /from epoch [23] of 3/.test(e.event.log)),
    'resumed after the first epoch',
  );
  assert.deepEqual(await workersAfter(10_000), [], 'no worker left 10 s after the job ended');
});

test('a job cancelled while its worker boots ends CANCELLED at once; no worker is left', async () => {
  await unaryCall(trainer, 'startJob', {
    jobId: 'early',
    spec: teacherSpec('teacher-early', 2),
    resume: false,
  });
  let t0 = 0;
  await watchJob(trainer, 'early', (e) => {
    if (e.event?.$case === 'state' && e.event.state.current === S.JOB_STATE_RUNNING) {
      t0 = performance.now();
      void unaryCall(trainer, 'cancelJob', { jobId: 'early' });
    }
  });
  const took = performance.now() - t0;
  const job = await unaryCall<studentTrainer.Job>(trainer, 'getJob', { jobId: 'early' });
  assert.equal(job.state, S.JOB_STATE_CANCELLED, job.error);
  assert.ok(took < 1000, `cancelled after ${took.toFixed(0)} ms`);
  assert.deepEqual(await workersAfter(10_000), [], 'no worker left 10 s after the cancel');
});
