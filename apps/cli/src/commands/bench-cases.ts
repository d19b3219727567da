// What `abd bench` times: GEMM, training steps, the AB step with its teacher forward, inference;
// each prints its figure line and returns it.
import * as tf from '@tensorflow/tfjs-core';
import { abTotalLoss, crossEntropy, defaultTapWeights, signOf } from '@abd/distill';
import { Connectors, parseWrnName, Wrn } from '@abd/models';
import { namedGrads, PAPER_SGD, SgdNesterov } from '@abd/train';

export interface Case {
  arch: string;
  c: number;
  hw: number;
}

export const TRAIN_CASES: Case[] = [
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

/** GEMM GFLOP/s at 1024² and 4096²; returns the higher, the measured ceiling. */
export function benchGemm(record: (k: string, v: number) => void): number {
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

export function benchTrain(cs: Case, batch: number, iters: number): number {
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

export function benchAb(teacherArch: string, batch: number, iters: number): number {
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

export function benchInfer(arch: string, batch: number, iters: number): number {
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
