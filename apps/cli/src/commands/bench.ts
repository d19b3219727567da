import * as tf from '@tensorflow/tfjs-core';
import { abTotalLoss, crossEntropy, defaultTapWeights } from '@abd/distill';
import { Connectors, parseWrnName, Wrn } from '@abd/models';
import { namedGrads, PAPER_SGD, SgdNesterov } from '@abd/train';
import { checkFlags, num, ParsedArgs } from '../args';
import { backendOf } from '../context';

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
  checkFlags(args, ['backend', 'batch', 'iters', 'only'], 'bench');
  const info = await backendOf(args);
  const batch = num(args, 'batch') ?? 128;
  const iters = num(args, 'iters') ?? 3;
  const only = args.flags.get('only') as string | undefined;
  console.log(`# backend ${info.backend}${info.native?.loaded ? ` + native kernels (${info.native.threads} threads)` : ''}; batch ${batch}; ${iters} timed steps after 1 warm-up`);
  const want = (k: string) => !only || only.split(',').includes(k);
  if (want('train')) for (const cs of TRAIN_CASES) benchTrain(cs, batch, iters);
  if (want('ab')) benchAb(batch, iters);
  if (want('infer')) benchInfer(batch, iters);
  console.log(`bench peak-rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

function benchTrain(cs: Case, batch: number, iters: number): void {
  const m = model(cs.arch, cs.c);
  const opt = new SgdNesterov(m.params, PAPER_SGD);
  const x = tf.randomNormal([batch, cs.hw, cs.hw, cs.c]) as tf.Tensor4D;
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const before = tf.memory().numTensors;
  const sec = timeSteps(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(x, { training: true }).logits, y), [...m.params.values()]);
    opt.step(namedGrads(m.params, grads));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, iters);
  const leaked = tf.memory().numTensors - before - opt.state().size;
  console.log(`bench train ${cs.arch} ${cs.c}x${cs.hw}x${cs.hw} b${batch} ${(batch / sec).toFixed(1)} img/s${leaked ? ` (tensor count grew by ${leaked})` : ''}`);
  tf.dispose([x, y]);
  opt.dispose();
  m.dispose();
}

function benchAb(batch: number, iters: number): void {
  const teacher = model('wrn-16-4', 3);
  const student = model('wrn-16-2', 3);
  const conns = new Connectors(student.tapWidths, teacher.tapWidths, 'paper', 0);
  const vars = new Map([...student.params, ...conns.params]);
  const opt = new SgdNesterov(vars, PAPER_SGD);
  const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
  const w = defaultTapWeights(3);
  const sec = timeSteps(() => {
    const on = tf.tidy(() => teacher.forward(x, { training: false }).taps.map((t) => tf.cast(tf.greater(t, 0), 'float32')));
    const { value, grads } = tf.variableGrads(() => abTotalLoss(conns.apply(student.forward(x, { training: true }).taps, true), on, { mu: 1, weights: w }), [...vars.values()]);
    opt.step(namedGrads(vars, grads));
    value.dataSync();
    tf.dispose([value, ...on, ...Object.values(grads)]);
  }, iters);
  console.log(`bench ab-step wrn-16-4->wrn-16-2 3x32x32 b${batch} teacher-forward ${(batch / sec).toFixed(1)} img/s`);
  tf.dispose(x);
  opt.dispose();
  conns.dispose();
  student.dispose();
  teacher.dispose();
}

function benchInfer(batch: number, iters: number): void {
  for (const arch of ['wrn-16-4', 'wrn-22-4']) {
    const m = model(arch, 3);
    const x = tf.randomNormal([batch, 32, 32, 3]) as tf.Tensor4D;
    const sec = timeSteps(() => tf.tidy(() => m.forward(x, { training: false }).logits.dataSync()), iters);
    console.log(`bench infer ${arch} 3x32x32 b${batch} ${(batch / sec).toFixed(1)} img/s`);
    x.dispose();
    m.dispose();
  }
}
