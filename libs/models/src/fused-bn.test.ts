import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { hasNativeBatchNormRelu, initBackend } from '@abd/tensor';
import { Wrn } from './wrn';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

function stepResult(fused: boolean): {
  loss: number;
  grads: Float32Array[];
  stats: Float32Array[];
  evalLogits: Float32Array;
  evalTaps: Float32Array[];
} {
  process.env.ABD_FUSED_BN = fused ? '1' : '0';
  const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 11);
  const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 4 * 9 * 9), [4, 9, 9, 1]))) as tf.Tensor4D;
  const vars = [...m.params.values()];
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.square(m.forward(x, { training: true }).logits)) as tf.Scalar,
    vars,
  );
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
    stats: [...m.stats.values()].map((s) => s.dataSync() as Float32Array),
    evalLogits: new Float32Array(0) as Float32Array,
    evalTaps: [] as Float32Array[],
  };
  // Inference with the running statistics just moved (native: one kernel per BN, ReLU fused).
  const ev = m.forward(x, { training: false });
  out.evalLogits = ev.logits.dataSync() as Float32Array;
  out.evalTaps = ev.taps.map((t) => t.dataSync() as Float32Array);
  tf.dispose([ev.logits, ...ev.taps]);
  tf.dispose([value, x, ...Object.values(grads)]);
  m.dispose();
  delete process.env.ABD_FUSED_BN;
  return out;
}

test('the native BN kernels (fused with ReLU or not, training and inference) give the same loss, gradients, running statistics, logits and taps as the tfjs ops', (t) => {
  if (!hasNativeBatchNormRelu()) {
    t.skip('native addon not built');
    return;
  }
  const a = stepResult(true);
  const b = stepResult(false);
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-4 * Math.abs(b.loss), `loss ${a.loss} vs ${b.loss}`);
  a.grads.forEach((g, i) => {
    const scale = Math.max(1e-6, ...Array.from(b.grads[i], Math.abs));
    for (let j = 0; j < g.length; j++)
      assert.ok(
        Math.abs(g[j] - b.grads[i][j]) <= 2e-3 * scale,
        `grad ${i}[${j}] ${g[j]} vs ${b.grads[i][j]}`,
      );
  });
  a.stats.forEach((s, i) => {
    for (let j = 0; j < s.length; j++)
      assert.ok(
        Math.abs(s[j] - b.stats[i][j]) <= 1e-4 * Math.max(1, Math.abs(b.stats[i][j])),
        `stat ${i}[${j}]`,
      );
  });
  [a.evalLogits, ...a.evalTaps].forEach((v, i) => {
    const ref = [b.evalLogits, ...b.evalTaps][i];
    const scale = Math.max(1e-6, ...Array.from(ref, Math.abs));
    assert.equal(v.length, ref.length);
    for (let j = 0; j < v.length; j++)
      assert.ok(
        Math.abs(v[j] - ref[j]) <= 1e-4 * scale,
        `eval output ${i}[${j}] ${v[j]} vs ${ref[j]}`,
      );
  });
});
