import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { crossEntropy } from '@abd/distill';
import { SgdNesterov } from '@abd/train';
async function main() {
  await initBackend();
  const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const opt = new SgdNesterov(m.params, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32');
  const vars = [...m.params.values()];
  let tg = 0, to = 0, tf0 = 0;
  for (let i = 0; i < 13; i++) {
    const a = performance.now();
    const o = tf.tidy(() => m.forward(x, { training: true }).logits); o.dataSync(); o.dispose();
    const b = performance.now();
    const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(x, { training: true }).logits, labels), vars);
    value.dataSync();
    const c = performance.now();
    const named = new Map<string, tf.Tensor>();
    for (const [kk, v] of m.params) if (grads[v.name]) named.set(kk, grads[v.name]);
    opt.step(named);
    const d = performance.now();
    tf.dispose([value, ...Object.values(grads)]);
    if (i >= 3) { tf0 += b - a; tg += c - b; to += d - c; }
  }
  console.log(`params ${m.params.size}; fwd ${(tf0/10).toFixed(1)} ms, fwd+bwd ${(tg / 10).toFixed(1)} ms, opt ${(to / 10).toFixed(1)} ms`);
}
main();
