import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { hasNativeBatchNormRelu, initBackend } from '@abd/tensor';
import { Wrn } from './wrn';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

function stepResult(fused: boolean): { loss: number; grads: Float32Array[]; stats: Float32Array[] } {
  process.env.ABD_FUSED_BN = fused ? '1' : '0';
  const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 11);
  const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 4 * 9 * 9), [4, 9, 9, 1]))) as tf.Tensor4D;
  const vars = [...m.params.values()];
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.forward(x, { training: true }).logits)) as tf.Scalar, vars);
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
    stats: [...m.stats.values()].map((s) => s.dataSync() as Float32Array),
  };
  tf.dispose([value, x, ...Object.values(grads)]);
  m.dispose();
  delete process.env.ABD_FUSED_BN;
  return out;
}

test('the fused native BN+ReLU gives the same loss, gradients and running statistics as the tfjs ops', (t) => {
  if (!hasNativeBatchNormRelu()) {
    t.skip('native addon not built');
    return;
  }
  const a = stepResult(true);
  const b = stepResult(false);
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-4 * Math.abs(b.loss), `loss ${a.loss} vs ${b.loss}`);
  a.grads.forEach((g, i) => {
    const scale = Math.max(1e-6, ...Array.from(b.grads[i], Math.abs));
    for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j] - b.grads[i][j]) <= 2e-3 * scale, `grad ${i}[${j}] ${g[j]} vs ${b.grads[i][j]}`);
  });
  a.stats.forEach((s, i) => {
    for (let j = 0; j < s.length; j++) assert.ok(Math.abs(s[j] - b.stats[i][j]) <= 1e-4 * Math.max(1, Math.abs(b.stats[i][j])), `stat ${i}[${j}]`);
  });
});
