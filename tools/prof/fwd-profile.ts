// Per-kernel time of a WRN forward in training mode (with "grad": forward + backward) at batch 128: npx tsx tools/prof/fwd-profile.ts 10-1 [grad]
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { crossEntropy } from '@abd/distill';
async function main() {
  await initBackend();
  const [d, k] = (process.argv[2] ?? '10-1').split('-').map(Number);
  const m = new Wrn({ depth: d, widen: k, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32');
  const vars = [...m.params.values()];
  const grad = process.argv[3] === 'grad';
  const f = () => {
    if (grad) {
      const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(x, { training: true }).logits, labels), vars);
      value.dataSync(); tf.dispose([value, ...Object.values(grads)]);
    } else { const o = tf.tidy(() => m.forward(x, { training: true }).logits); o.dataSync(); o.dispose(); }
  };
  for (let i = 0; i < 3; i++) f();
  const orig = tf.engine().runKernel.bind(tf.engine());
  const by = new Map<string, { ms: number; n: number }>();
  (tf.engine() as any).runKernel = (name: string, inputs: any, attrs: any) => {
    const t0 = performance.now();
    const r = orig(name, inputs, attrs);
    const e = by.get(name) ?? { ms: 0, n: 0 }; e.ms += performance.now() - t0; e.n++; by.set(name, e);
    return r;
  };
  const N = 5; const t0 = performance.now();
  for (let i = 0; i < N; i++) f();
  const tot = (performance.now() - t0) / N;
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const ksum = rows.reduce((s, r) => s + r[1].ms, 0) / N;
  console.log(`total ${tot.toFixed(1)} ms/iter; runKernel sum ${ksum.toFixed(1)} ms (nested counted twice)`);
  for (const [n, e] of rows.slice(0, 22)) console.log(`${n.padEnd(26)} ${(e.ms / N).toFixed(2).padStart(8)} ms ×${e.n / N}`);
}
main();
