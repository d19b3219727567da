import * as tf from '@tensorflow/tfjs-core';
import { abTotalLoss, crossEntropy, defaultTapWeights, signOf } from '@abd/distill';
import { Connectors, parseWrnName, Wrn, wrnFlops } from '@abd/models';
import { namedGrads, PAPER_SGD, SgdNesterov } from '@abd/train';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkFlags, num, ParsedArgs, UsageError } from '../args';
import { backendOf, REPO_ROOT } from '../context';
import { benchDistill, type Stage } from './bench-distill';
import { benchRemote } from './bench-remote';

interface Case {
  arch: string;
  c: number;
  hw: number;
}

const TRAIN_CASES: Case[] = [
  { arch: 'wrn-16-2', c: 3, hw: 32 },
  { arch: 'wrn-10-4', c: 3, hw: 32 },
  { arch: 'wrn-16-2', c: 1, hw: 28 },
  { arch: 'wrn-10-4', c: 1, hw: 28 },
];

const model = (arch: string, c: number) => {
  const { depth, widen } = parseWrnName(arch);
  return new Wrn({ depth, widen, inChannels: c, numClasses: 10 }, 'paper', 0);
};

function timeSteps(step: () => void, iters: number): number {
  step(); // warm-up: kernels, primitive caches, memory growth
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) step();
  return (performance.now() - t0) / 1000 / iters;
}

/** `abd bench`: one machine-readable line per figure (`bench <what> … <value> <unit>`). */
export async function benchCommand(args: import('../args').ParsedArgs): Promise<void> {
  checkFlags(
    args,
    [
      'backend',
      'batch',
      'iters',
      'only',
      'compare',
      'remote',
      'batches',
      'teachers',
      'services',
      'teacher-cpus',
      'teacher',
      'student',
      'window',
      'teacher-threads',
    ],
    'bench',
  );
  const part = args.positionals[0];
  if (part !== undefined && part !== 'distill-ratio')
    throw new UsageError(`abd bench: unknown part '${part}' (known: distill-ratio)`);
  const stages =
    part === 'distill-ratio'
      ? distillStages(args.flags.get('only') as string | undefined)
      : undefined;
  const info = await backendOf(args);
  const batch = num(args, 'batch') ?? 128;
  const iters = num(args, 'iters') ?? 3;
  const only = args.flags.get('only') as string | undefined;
  console.log(
    `# backend ${info.backend}${info.native?.loaded ? ` + native kernels (${info.native.threads} threads)` : ''}; batch ${batch}; ${part === 'distill-ratio' ? 'each figure one epoch of --batches batches, timed from the end of its first step' : `${iters} timed steps after 1 warm-up`}`,
  );
  if (part === 'distill-ratio') {
    await benchDistill({
      batch,
      batches: num(args, 'batches') ?? 12,
      teacher: (args.flags.get('teacher') as string | undefined) ?? 'wrn-16-2',
      student: (args.flags.get('student') as string | undefined) ?? 'wrn-10-1',
      window: num(args, 'window') ?? 2,
      teacherThreads: num(args, 'teacher-threads'),
      services: args.flags.has('services'),
      teacherCpus: args.flags.get('teacher-cpus') as string | undefined,
      stages,
    });
    return;
  }
  if (args.flags.has('remote')) {
    await benchRemote(batch, num(args, 'batches') ?? 8, num(args, 'teachers') ?? 1);
    return;
  }
  const want = (k: string) => !only || only.split(',').includes(k);
  const ours = new Map<string, number>();
  const record = (key: string, v: number) => ours.set(key, v);
  // The GEMM rate is the ceiling the training and inference GFLOP/s are set against.
  const ceiling = want('gemm') || want('train') || want('infer') ? benchGemm(record) : 0;
  const gflops = (what: 'train' | 'infer', cs: Case, imgPerSec: number) => {
    const cfg = { ...parseWrnName(cs.arch), inChannels: cs.c, numClasses: 10 };
    const f = wrnFlops(cfg, cs.hw)[what === 'train' ? 'train' : 'forward'];
    const g = (f * imgPerSec) / 1e9;
    const key = `${cs.arch} ${cs.c}x${cs.hw}x${cs.hw}`;
    console.log(
      `bench gflops ${what} ${key} b${batch} ${g.toFixed(1)} GFLOP/s ${(g / ceiling).toFixed(2)} of the GEMM ceiling ${ceiling.toFixed(1)} GFLOP/s`,
    );
  };
  if (want('train'))
    for (const cs of TRAIN_CASES) {
      const key = `${cs.arch} ${cs.c}x${cs.hw}x${cs.hw}`;
      const v = benchTrain(cs, batch, iters);
      record(`train ${key}`, v);
      gflops('train', cs, v);
    }
  if (want('ab'))
    for (const t of ['wrn-16-4', 'wrn-22-4'])
      record(`ab-step ${t}->wrn-16-2 3x32x32`, benchAb(t, batch, iters));
  if (want('infer'))
    for (const m of ['wrn-16-4', 'wrn-22-4']) {
      const v = benchInfer(m, batch, iters);
      record(`infer ${m} 3x32x32`, v);
      gflops('infer', { arch: m, c: 3, hw: 32 }, v);
    }
  console.log(`bench peak-rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  if (args.flags.get('compare') === 'torch') compareTorch(ours, batch, iters, only);
  else if (args.flags.has('compare')) throw new UsageError(`--compare supports only 'torch'`);
}

/** `--only kd`, `--only ab` or both (the default) for distill-ratio. */
function distillStages(only: string | undefined): Stage[] | undefined {
  if (only === undefined) return undefined;
  const parts = only.split(',');
  for (const p of parts)
    if (p !== 'kd' && p !== 'ab')
      throw new UsageError(`abd bench distill-ratio --only: kd and/or ab, got '${p}'`);
  return parts as Stage[];
}

/** Runs tools/bench/torch_wrn.py with the same batch and steps, and prints ours/torch ratios. */
function compareTorch(
  ours: Map<string, number>,
  batch: number,
  iters: number,
  only: string | undefined,
): void {
  const py = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const script = join(REPO_ROOT, 'tools', 'bench', 'torch_wrn.py');
  const r = spawnSync(
    py,
    [script, '--batch', String(batch), '--iters', String(iters), ...(only ? ['--only', only] : [])],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    console.log(
      `# torch comparison skipped: ${py} ${script} failed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()}); install Debian's python3-torch and libopenblas0-pthread`,
    );
    return;
  }
  const theirs = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('#')) console.log(line);
    const m = /^torch (.+?) (?:b\d+ )?(?:teacher-forward )?([\d.]+) (img\/s|GFLOP\/s)$/.exec(line);
    if (m) theirs.set(m[1].replace(/^gemm /, 'gemm '), Number(m[2]));
  }
  for (const [k, v] of ours) {
    const t = theirs.get(k);
    if (t === undefined) continue;
    const unit = k.startsWith('gemm') ? 'GFLOP/s' : 'img/s';
    console.log(
      `compare ${k} ours ${v.toFixed(1)} torch ${t.toFixed(1)} ${unit} ratio ${(v / t).toFixed(2)}`,
    );
  }
}

/** GEMM GFLOP/s at 1024² and 4096²; returns the higher, the measured ceiling. */
function benchGemm(record: (k: string, v: number) => void): number {
  let best = 0;
  for (const n of [1024, 4096]) {
    const a = tf.randomNormal([n, n]) as tf.Tensor2D;
    const b = tf.randomNormal([n, n]) as tf.Tensor2D;
    const sec = timeSteps(
      () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      n > 2000 ? 2 : 3,
    );
    const g = (2 * n ** 3) / sec / 1e9;
    console.log(`bench gemm ${n} ${g.toFixed(1)} GFLOP/s`);
    record(`gemm ${n}`, g);
    best = Math.max(best, g);
    tf.dispose([a, b]);
  }
  return best;
}

function benchTrain(cs: Case, batch: number, iters: number): number {
  const m = model(cs.arch, cs.c);
  const opt = new SgdNesterov(m.params, PAPER_SGD);
  const x = tf.randomNormal([batch, cs.hw, cs.hw, cs.c]) as tf.Tensor4D;
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const before = tf.memory().numTensors;
  const sec = timeSteps(() => {
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(m.forward(x, { training: true }).logits, y),
      [...m.params.values()],
    );
    opt.step(namedGrads(m.params, grads));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, iters);
  const leaked = tf.memory().numTensors - before - opt.state().size;
  console.log(
    `bench train ${cs.arch} ${cs.c}x${cs.hw}x${cs.hw} b${batch} ${(batch / sec).toFixed(1)} img/s${leaked ? ` (tensor count grew by ${leaked})` : ''}`,
  );
  // maxRSS only grows: after the first case it is that case's peak.
  console.log(
    `bench peak-rss-so-far after train ${cs.arch} ${cs.c}x${cs.hw}x${cs.hw} ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
  tf.dispose([x, y]);
  opt.dispose();
  m.dispose();
  return batch / sec;
}

function benchAb(teacherArch: string, batch: number, iters: number): number {
  const teacher = model(teacherArch, 3);
  const student = model('wrn-16-2', 3);
  const conns = new Connectors(student.tapWidths, teacher.tapWidths, 'paper', 0);
  const vars = new Map([...student.params, ...conns.params]);
  const opt = new SgdNesterov(vars, PAPER_SGD);
  const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
  const w = defaultTapWeights(3);
  const sec = timeSteps(() => {
    const on = tf.tidy(() => teacher.forward(x, { training: false }).taps.map(signOf));
    const { value, grads } = tf.variableGrads(
      () =>
        abTotalLoss(conns.apply(student.forward(x, { training: true }).taps, true), on, {
          mu: 1,
          weights: w,
        }),
      [...vars.values()],
    );
    opt.step(namedGrads(vars, grads));
    value.dataSync();
    tf.dispose([value, ...on, ...Object.values(grads)]);
  }, iters);
  console.log(
    `bench ab-step ${teacherArch}->wrn-16-2 3x32x32 b${batch} teacher-forward ${(batch / sec).toFixed(1)} img/s`,
  );
  tf.dispose(x);
  opt.dispose();
  conns.dispose();
  student.dispose();
  teacher.dispose();
  return batch / sec;
}

function benchInfer(arch: string, batch: number, iters: number): number {
  const m = model(arch, 3);
  const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
  const sec = timeSteps(
    () => tf.tidy(() => m.forward(x, { training: false }).logits.dataSync()),
    iters,
  );
  console.log(`bench infer ${arch} 3x32x32 b${batch} ${(batch / sec).toFixed(1)} img/s`);
  x.dispose();
  m.dispose();
  return batch / sec;
}
