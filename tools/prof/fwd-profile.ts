// Per-kernel time of a WRN forward in training mode (with "grad": forward + backward) at batch 128: npx tsx tools/prof/fwd-profile.ts 10-1 [grad]
import * as tf from '@tensorflow/tfjs-core';
import { timeKernels } from './kernel-timer';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { crossEntropy } from '@abd/distill';
async function main() {
  await initBackend();
  const [d, k] = (process.argv[2] ?? '10-1').split('-').map(Number);
  const m = new Wrn({ depth: d, widen: k, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: 128 }, (_, i) => i % 10),
    'int32',
  );
  const vars = [...m.params.values()];
  const grad = process.argv[3] === 'grad';
  const f = () => {
    if (grad) {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(m.forward(x, { training: true }).logits, labels),
        vars,
      );
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    } else {
      const o = tf.tidy(() => m.forward(x, { training: true }).logits);
      o.dataSync();
      o.dispose();
    }
  };
  for (let i = 0; i < 3; i++) f();
  const timer = timeKernels();
  const N = 5;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) f();
  const tot = (performance.now() - t0) / N;
  console.log(`total ${tot.toFixed(1)} ms/iter (kernel times below; nested kernels count twice)`);
  timer.report(N, 22);
}
main();
