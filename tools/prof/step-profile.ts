// Per-kernel time of one training step (or an inference pass with "eval") of a WRN on 28×28×1 at batch 128: npx tsx tools/prof/step-profile.ts 10-1 [train|eval]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { crossEntropy } from '@abd/distill';
import { SgdNesterov } from '@abd/train';

async function main() {
  await initBackend();
  const arch = process.argv[2] ?? '10-1';
  const [d, k] = arch.split('-').map(Number);
  const mode = process.argv[3] ?? 'train';
  const m = new Wrn({ depth: d, widen: k, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const opt = new SgdNesterov(m.params, {
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
  const vars = [...m.params.values()];
  const step = () => {
    if (mode === 'eval') {
      const o = tf.tidy(() => m.forward(x, { training: false, updateStats: false }).logits);
      o.dataSync();
      o.dispose();
      return;
    }
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(m.forward(x, { training: true }).logits, labels),
      vars,
    );
    const named = new Map<string, tf.Tensor>();
    for (const [kk, v] of m.params) if (grads[v.name]) named.set(kk, grads[v.name]);
    opt.step(named);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let i = 0; i < 3; i++) step();
  const N = 10;
  let t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  console.log(`${arch} ${mode}: ${((performance.now() - t0) / N).toFixed(1)} ms/step`);
  const prof = await tf.profile(() => {
    step();
  });
  const by = new Map<string, { ms: number; n: number }>();
  for (const kk of prof.kernels) {
    const e = by.get(kk.name) ?? { ms: 0, n: 0 };
    e.ms += kk.kernelTimeMs as number;
    e.n++;
    by.set(kk.name, e);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const tot = rows.reduce((s, r) => s + r[1].ms, 0);
  console.log(`kernels: ${prof.kernels.length}, kernel ms total ${tot.toFixed(1)}`);
  for (const [n, e] of rows.slice(0, 25))
    console.log(`${n.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ms  ×${e.n}`);
}
main();
