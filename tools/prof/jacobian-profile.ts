// Kernel time split of one Jacobian+KD training step (student WRN-10-1, teacher WRN-16-2, b128).
import * as tf from '@tensorflow/tfjs-core';
import { timeKernels } from './kernel-timer';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { kdLoss } from '@abd/distill';
import { jacobianTerm, SgdNesterov } from '@abd/train';
async function main() {
  await initBackend();
  const s = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const t = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 2);
  const opt = new SgdNesterov(s.params, {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    nesterov: true,
  });
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: 128 }, (_, i) => i % 10),
    'int32',
  );
  const tl = tf.tidy(() => t.forward(x, { training: false }).logits);
  const joint = jacobianTerm(s, t, {
    lambda: 1,
    output: 'teacher-top',
    mode: 'second-order',
    fdEps: 1e-3,
  });
  const vars = [...s.params.values()];
  let tPrep = 0;
  const step = () => {
    const a = performance.now();
    const prepared = joint.prepare(x, labels, tl);
    tPrep += performance.now() - a;
    const { value, grads } = tf.variableGrads(() => {
      const out = s.forward(x, { training: true });
      return tf.add(
        kdLoss(out.logits, tl, { temperature: 3, t2Factor: false, alpha: 0 }),
        joint.loss(x, out, prepared),
      ) as tf.Scalar;
    }, vars);
    const named = new Map<string, tf.Tensor>();
    for (const [k, v] of s.params) if (grads[v.name]) named.set(k, grads[v.name]);
    opt.step(named);
    value.dataSync();
    tf.dispose([value, ...prepared, ...Object.values(grads)]);
  };
  step();
  tPrep = 0;
  const timer = timeKernels();
  const N = 2;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  console.log(
    `Jacobian step ${((performance.now() - t0) / N).toFixed(0)} ms (prepare: teacher input-gradient ${(tPrep / N).toFixed(0)} ms)`,
  );
  timer.report(N, 25);
}
main();
