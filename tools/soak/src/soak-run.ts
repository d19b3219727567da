// The soak/fault run: the four services as processes on loopback (wired as `abd up` wires
// them, two teacher replicas), one small AB+KD run job through them while teacher replicas and
// the trainer are SIGKILLed and started again at seeded random points; then the student is
// compared with the undisturbed in-process run (SHA-256 of weights.bin), RSS per process
// before/after, health latency of the trainer during the job, and the teacher's memory over
// maximum-size requests.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { ENV } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { Wrn } from '@abd/models';
import { putCheckpoint, runPipeline } from '@abd/train';
import { jobSpecsOf } from '@abd/train-io';
import { DEFAULT_MAX_IMAGES_PER_REQUEST } from '@abd/data';
import { serviceFixture, tinyConfig } from '@abd/train/testing';
import { quantile, startHealthProber, type ProbeResult } from '@abd/train-io/testing';
import { evaluate, healthy, inferOnce, retrying, trainerCall } from './grpc-calls';
import { processMemory } from './proc-memory';
import { ServiceProcess } from './service-process';
import type { SoakFigures } from './soak-figures';

export interface SoakOptions {
  kills: number;
  /** The whole run is given up (and fails) after this many seconds. */
  durationS: number;
  seed: number;
  epochs: { e1: number; e2: number };
  /** Maximum-size Infer requests of the memory phase. */
  memoryRequests: number;
  /** Of them, this many at once (8 x 1024 images fill the default queue). */
  memoryConcurrency: number;
  log: (line: string) => void;
}

const S = studentTrainer.JobState;
const FINAL = new Set([S.JOB_STATE_SUCCEEDED, S.JOB_STATE_FAILED, S.JOB_STATE_CANCELLED]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a run's kill points replay. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export async function runSoak(o: SoakOptions): Promise<SoakFigures> {
  const t0 = Date.now();
  const giveUp = t0 + o.durationS * 1000;
  const random = rng(o.seed);
  const fx = await serviceFixture('teacher-a');
  // The memory phase uses a teacher of the default size (WRN-16-2).
  const big = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 5);
  await putCheckpoint(fx.store, 'models/teacher-big', big, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: { mean: [0.5], std: [0.25] },
  });
  big.dispose();
  const token = randomBytes(16).toString('hex');
  const cfg = tinyConfig(fx.dataDir, {
    methods: ['ab+kd'],
    teacher: { ...tinyConfig(fx.dataDir).teacher, checkpoint: 'models/teacher-a' },
    epochs: o.epochs,
  });
  o.log('soak: the undisturbed run, in process');
  await runPipeline(cfg, { store: fx.store, runId: 'ref' });
  const env = {
    [ENV.STORE]: fx.storeDir,
    ABD_DATA_DIR: fx.dataDir,
    ABD_OFFLINE: '1',
    [ENV.AUTH_TOKEN]: token,
    [ENV.SHUTDOWN_GRACE_MS]: '500',
  };
  const teachers = [
    new ServiceProcess('teacher-0', 'teacher-inference', env),
    new ServiceProcess('teacher-1', 'teacher-inference', env),
  ];
  const evaluator = new ServiceProcess('evaluator', 'evaluator', env);
  await Promise.all([...teachers, evaluator].map((s) => s.start()));
  const extractor = new ServiceProcess('extractor', 'boundary-extractor', {
    ...env,
    [ENV.TEACHER_ADDRESSES]: teachers.map((t) => t.address).join(','),
  });
  await extractor.start();
  const trainer = new ServiceProcess('trainer', 'student-trainer', {
    ...env,
    [ENV.EXTRACTOR_ADDRESS]: extractor.address,
  });
  await trainer.start();
  const all = [...teachers, extractor, trainer, evaluator];
  try {
    await sleep(1000);
    const before = new Map(all.map((s) => [s.name, processMemory(s.pid).rssMb]));
    const prober = startHealthProber(trainer.address);
    const [spec] = jobSpecsOf(cfg, 'teacher-a');
    await trainerCall(trainer.address, token, 'startJob', { jobId: 'soak', spec, resume: false });
    o.log('soak: job started');
    const restarts: [number, number][] = [];
    const killsBy: Record<string, number> = {};
    let kills = 0;
    let workerPeakMb = 0;
    let job: studentTrainer.Job | undefined;
    const state = async (): Promise<studentTrainer.Job> =>
      retrying(() =>
        trainerCall<studentTrainer.Job>(trainer.address, token, 'getJob', { jobId: 'soak' }),
      );
    // Kills do not wait for the last victim to be back: the next one is any process that is up,
    // the trainer a third of the time, a teacher replica only while the other one is up.
    const restarting = new Set<ServiceProcess>();
    const pending: Promise<void>[] = [];
    while (Date.now() < giveUp) {
      const until = Date.now() + 200 + random() * 1000;
      while (Date.now() < until && !(job && FINAL.has(job.state))) {
        workerPeakMb = Math.max(workerPeakMb, childrenRssMb(trainer));
        job = await state();
        await sleep(200);
      }
      if (job && FINAL.has(job.state)) break;
      if (kills >= o.kills) continue;
      const upTeachers = teachers.filter((t) => !restarting.has(t));
      const pick = random();
      const victim =
        pick < 1 / 3
          ? restarting.has(trainer)
            ? undefined
            : trainer
          : upTeachers.length === teachers.length
            ? upTeachers[Math.floor(random() * upTeachers.length)]
            : undefined;
      if (!victim) continue;
      const from = Date.now();
      restarting.add(victim);
      await victim.kill();
      kills++;
      killsBy[victim.name] = (killsBy[victim.name] ?? 0) + 1;
      const n = kills;
      o.log(`soak: kill ${n}: ${victim.name}`);
      pending.push(
        (async () => {
          await sleep(random() * 500);
          await victim.start();
          restarting.delete(victim);
          if (victim === trainer) restarts.push([from, Date.now()]);
          o.log(`soak: kill ${n}: ${victim.name} listening again after ${Date.now() - from} ms`);
        })(),
      );
    }
    await Promise.all(pending);
    const probes = await prober.stop();
    if (!job || !FINAL.has(job.state))
      throw new Error(
        `the job did not finish within --duration ${o.durationS} s (state ${job?.state})`,
      );
    await sleep(1000);
    const after = new Map(all.map((s) => [s.name, processMemory(s.pid).rssMb]));
    const ref = sha256(await fx.store.get('runs/ref/ab+kd/final/weights.bin'));
    const got =
      job.state === S.JOB_STATE_SUCCEEDED
        ? sha256(await fx.store.get('runs/soak/ab+kd/final/weights.bin'))
        : '';
    const report =
      job.state === S.JOB_STATE_SUCCEEDED
        ? await retrying(() => evaluate(evaluator.address, token, job!.outputModels[0]))
        : undefined;
    // The evaluator computes in a worker process it keeps: its memory is not in the server's RSS.
    const evaluatorWorkerMb = childrenRssMb(evaluator);
    const memory = await memoryPhase(
      teachers[0],
      token,
      o.memoryRequests,
      o.memoryConcurrency,
      o.log,
    );
    const health = outsideRestarts(probes, restarts);
    return {
      seed: o.seed,
      killsPlanned: o.kills,
      kills,
      killsBy,
      jobState: S[job.state] ?? String(job.state),
      jobError: job.error,
      weightsIdentical: got === ref,
      shaReference: ref,
      shaSoak: got,
      testErrorPercent: report?.errorPercent,
      rss: all.map((s) => ({
        name: s.name,
        beforeMb: before.get(s.name)!,
        afterMb: after.get(s.name)!,
        starts: s.starts,
      })),
      trainerWorkerPeakMb: workerPeakMb,
      evaluatorWorkerMb,
      health: { checks: probes.latencies.length, ...health },
      memory,
      unplannedExits: all.flatMap((s) => s.crashes),
      allHealthyAtEnd: (await Promise.all(all.map((s) => healthy(s.address)))).every(Boolean),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await Promise.all(all.map((s) => s.stop()));
    fx.cleanup();
  }
}

/** RSS of a service's worker processes (its children: the trainer's job worker, the evaluator's), 0 when none runs. */
function childrenRssMb(service: ServiceProcess): number {
  try {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(service.pid)], {
      encoding: 'utf8',
    });
    // A worker that has just exited (a zombie) has no VmRSS: counted as 0.
    const rss = out
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => processMemory(Number(l.trim())).rssMb);
    return rss.reduce((a, m) => a + (Number.isFinite(m) ? m : 0), 0);
  } catch {
    return 0; // no child (ps exits 1), or it ended between ps and /proc
  }
}

/** Trainer health outside the windows in which it was down (killed until listening again). */
function outsideRestarts(
  p: ProbeResult,
  windows: [number, number][],
): {
  p99Ms: number;
  maxMs: number;
  counted: number;
  failedOutside: number;
  failedInRestarts: number;
} {
  const lat: number[] = [];
  let failedOutside = 0;
  let failedInRestarts = 0;
  p.latencies.forEach((l, i) => {
    const [a, b] = [p.sentAt[i], p.sentAt[i] + l];
    const inWindow = windows.some(([from, to]) => a <= to + 250 && b >= from);
    if (inWindow) failedInRestarts += p.failures[i] ? 1 : 0;
    else {
      lat.push(l);
      if (p.failures[i]) failedOutside++;
    }
  });
  return {
    p99Ms: quantile(lat, 0.99),
    maxMs: lat.length ? Math.max(...lat) : NaN,
    counted: lat.length,
    failedOutside,
    failedInRestarts,
  };
}

/** RSS of a replica over `n` maximum-size Infer requests (one at a time), and its health meanwhile. */
async function memoryPhase(
  replica: ServiceProcess,
  token: string,
  n: number,
  concurrency: number,
  log: (l: string) => void,
): Promise<SoakFigures['memory']> {
  const images = DEFAULT_MAX_IMAGES_PER_REQUEST;
  const beforeMb = processMemory(replica.pid).rssMb;
  // The bar: health within 1 s while the replica serves (its loop is free between passes).
  const prober = startHealthProber(replica.address, { deadlineMs: 1000 });
  let peakMb = beforeMb;
  const sampler = setInterval(
    () => (peakMb = Math.max(peakMb, processMemory(replica.pid).rssMb)),
    50,
  );
  const afterEach: number[] = [];
  try {
    for (let i = 0; i < n; i += concurrency) {
      const round = Array.from({ length: Math.min(concurrency, n - i) }, () =>
        inferOnce(replica.address, token, 'teacher-big', images, [28, 28, 1]),
      );
      await Promise.all(round);
      afterEach.push(processMemory(replica.pid).rssMb);
    }
  } finally {
    clearInterval(sampler);
  }
  const probes = await prober.stop();
  await new Promise((r) => setTimeout(r, 2000));
  const settledMb = processMemory(replica.pid).rssMb;
  log(
    `soak: memory of ${replica.name} after each round of ${concurrency} of ${n} requests of ${images} images: ${afterEach.map((m) => m.toFixed(0)).join(', ')} MiB`,
  );
  return {
    replica: replica.name,
    images,
    requests: n,
    concurrency,
    beforeMb,
    peakMb,
    afterFirstMb: afterEach[0],
    afterAllMb: settledMb,
    healthP99Ms: quantile(probes.latencies, 0.99),
    healthFailed: probes.failed,
  };
}
