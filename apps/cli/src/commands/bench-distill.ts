import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { channelStats, ImageSet, loadDataset, subsetIndices } from '@abd/data';
import { ENV, makeClient, METRICS_PORT_ENV } from '@abd/grpc-kit';
import { Connectors, parseWrnName, Wrn } from '@abd/models';
import { boundaryExtractor } from '@abd/proto';
import {
  BatchSource,
  LocalBatchSource,
  LocalSourceOptions,
  OverlappedBatchSource,
  putCheckpoint,
  trainAbInit,
  trainClassifier,
} from '@abd/train';
import { RemoteBatchSource } from '@abd/train-io';
import { REPO_ROOT } from '../context';

export interface DistillBenchOptions {
  batch: number;
  batches: number;
  teacher: string;
  student: string;
  window: number;
  /** Native threads of the overlapped teacher process (default: as this process). */
  teacherThreads?: number;
  /** Through teacher-inference + boundary-extractor processes instead of in-process. */
  services: boolean;
  /** CPUs (taskset list) the services run on: the emulated teacher machine. */
  teacherCpus?: string;
  /** Stages to measure (default both). */
  stages?: Stage[];
}

export type Stage = 'kd' | 'ab';
const SGD = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true };
const KD = { temperature: 3, t2Factor: true, alpha: 0 };

const wrn = (arch: string, seed: number): Wrn => {
  const { depth, widen } = parseWrnName(arch);
  return new Wrn({ depth, widen, inChannels: 1, numClasses: 10 }, 'paper', seed);
};

/**
 * Images/s of one epoch of `stage` (or of CE alone, the student-only step) on `source`, timed
 * from the end of the first step (kernel set-up, connections and the first teacher batch are
 * one-off costs).
 */
async function imagesPerSecond(
  stage: Stage | 'student-only',
  source: BatchSource,
  o: DistillBenchOptions,
  teacherWidths: number[],
): Promise<number> {
  const student = wrn(o.student, 1);
  let t0 = 0;
  let n = 0;
  const io = {
    onEvent: (e: { type: string; step?: number }) => {
      if (e.type !== 'step') return;
      if (e.step === 0) t0 = performance.now();
      else n += o.batch;
    },
  };
  const common = { label: stage, epochs: 1, sgd: SGD };
  if (stage === 'ab') {
    const conns = new Connectors(student.tapWidths, teacherWidths, 'paper', 2);
    const w = [3 / 4000, 3 / 2000, 3 / 1000];
    const ab = { ...common, mu: 1, weights: w, schedule: 'constant' as const };
    await trainAbInit(student, conns, source, { ...ab, resetOptimizer: false }, io);
    conns.dispose();
  } else {
    const kd = stage === 'kd' ? KD : undefined;
    await trainClassifier(student, source, { ...common, schedule: 'constant', kd }, io);
  }
  student.dispose();
  return n / ((performance.now() - t0) / 1000);
}

/**
 * `abd bench distill-ratio`: distill/student-only throughput of the KD stage and the AB stage
 * (teacher and student of the demo by default, on Fashion-MNIST), in-process serial and with the
 * teacher overlapped in its own process, or (--services) through teacher-inference and
 * boundary-extractor processes pinned to --teacher-cpus.
 */
export async function benchDistill(o: DistillBenchOptions): Promise<void> {
  const train = await loadDataset('fashion-mnist', 'train');
  const indices = subsetIndices(train, { count: o.batch * o.batches, seed: 0 });
  const teacher = wrn(o.teacher, 0);
  const base: LocalSourceOptions = {
    set: train,
    indices,
    stats: channelStats(train),
    batchSize: o.batch,
    seed: 1,
    augment: { pad: 4, flip: false },
    teacher,
  };
  const where = o.services
    ? `services (teacher cpus ${o.teacherCpus ?? 'any'})`
    : `in-process (teacher process threads ${o.teacherThreads ?? 'as this one'})`;
  const tag = `${o.teacher}->${o.student} 1x28x28 b${o.batch} ${o.batches} batches`;
  const alone = await imagesPerSecond('student-only', new LocalBatchSource(base), o, []);
  console.log(`bench distill student-only ${tag} ${alone.toFixed(1)} img/s`);
  // Each stage's figure with its teacher outputs served from memory: what overlap can reach.
  const ceiling = new Map<Stage, number>();
  const report = (stage: Stage, how: string, ips: number) => {
    console.log(`bench distill ${stage} ${how} ${tag} ${ips.toFixed(1)} img/s`);
    console.log(`bench distill-ratio ${stage} ${how} ${(ips / alone).toFixed(2)}`);
    const c = ceiling.get(stage);
    if (c !== undefined && how !== 'in-process-cached')
      console.log(`bench distill-vs-cached ${stage} ${how} ${(ips / c).toFixed(2)}`);
  };
  try {
    if (o.services) await services(o, base, train, teacher, report);
    else {
      for (const stage of o.stages ?? (['kd', 'ab'] as const)) {
        // The ceiling: the teacher's outputs of the epoch computed beforehand and served from memory.
        const cached = new LocalBatchSource({ ...base, keepSignsBelowEpoch: 1 });
        for await (const b of cached.epoch(0, { signs: true, logits: true })) void b;
        ceiling.set(stage, await imagesPerSecond(stage, cached, o, teacher.tapWidths));
        report(stage, 'in-process-cached', ceiling.get(stage)!);
        const serial = new LocalBatchSource(base);
        report(
          stage,
          'in-process-serial',
          await imagesPerSecond(stage, serial, o, teacher.tapWidths),
        );
        const over = await OverlappedBatchSource.start(base, {
          window: o.window,
          threads: o.teacherThreads,
        });
        try {
          const ips = await imagesPerSecond(stage, over, o, teacher.tapWidths);
          report(stage, `in-process-overlap(window ${o.window})`, ips);
        } finally {
          await over.close();
        }
      }
    }
  } finally {
    teacher.dispose();
  }
  console.log(`# where: ${where}`);
}

async function services(
  o: DistillBenchOptions,
  base: LocalSourceOptions,
  train: ImageSet,
  teacher: Wrn,
  report: (stage: Stage, how: string, ips: number) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'abd-bench-distill-'));
  const children: ChildProcess[] = [];
  try {
    await putCheckpoint(openStore(dir), 'models/bench-teacher', teacher, { role: 'teacher' });
    const start = (svc: string, env: Record<string, string>): Promise<number> => {
      const main = join(REPO_ROOT, 'apps', svc, 'src', 'main.ts');
      const node = [process.execPath, '--import', 'tsx', main];
      // taskset: the services keep to their CPUs like replicas on a machine of their own.
      const argv = o.teacherCpus ? ['taskset', '-c', o.teacherCpus, ...node] : node;
      const c = spawn(argv[0], argv.slice(1), {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          [ENV.PORT]: '0',
          [ENV.HOST]: '127.0.0.1',
          [ENV.STORE]: dir,
          [ENV.AUTH_TOKEN]: '',
          [METRICS_PORT_ENV]: 'off',
          ...env,
        },
      });
      children.push(c);
      return listening(c, svc);
    };
    const tPort = await start('teacher-inference', {});
    const exPort = await start('boundary-extractor', {
      [ENV.TEACHER_ADDRESSES]: `127.0.0.1:${tPort}`,
    });
    const client = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${exPort}`);
    try {
      await new Promise<void>((res, rej) =>
        client.waitForReady(Date.now() + 60_000, (e) => (e ? rej(e) : res())),
      );
      for (const stage of o.stages ?? (['kd', 'ab'] as const)) {
        const remote = new RemoteBatchSource({
          client,
          teacher: { id: 'bench-teacher' },
          dataset: 'fashion-mnist',
          subset: { count: base.indices.length, seed: 0 },
          seed: base.seed,
          batchSize: base.batchSize,
          augment: base.augment,
          size: base.indices.length,
          stats: base.stats,
          shape: { height: train.height, width: train.width, channels: train.channels },
        });
        report(stage, 'services', await imagesPerSecond(stage, remote, o, teacher.tapWidths));
      }
    } finally {
      client.close();
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A service's port, from its JSON log line 'listening' on stderr. */
function listening(c: ChildProcess, svc: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    c.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"message":"listening","address":"127\.0\.0\.1:(\d+)"/.exec(buf);
      if (m) resolve(Number(m[1]));
      if (buf.length > 1 << 16) buf = buf.slice(-4096);
    });
    c.once('exit', (code) =>
      reject(
        new Error(
          `${svc} exited (${code}) before listening: ${buf.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      ),
    );
  });
}
