import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BN_EPS, Connectors } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

describe('Connectors', () => {
  it('identity where widths are equal (the same tensor comes back), 1×1 conv + BN elsewhere', () => {
    const c = new Connectors([16, 32, 64], [16, 64, 256]);
    try {
      assert.deepEqual(c.identity, [true, false, false]);
      assert.deepEqual([...c.params.keys()].sort(), [
        'conn1.beta',
        'conn1.gamma',
        'conn1.w',
        'conn2.beta',
        'conn2.gamma',
        'conn2.w',
      ]);
      assert.deepEqual(c.params.get('conn1.w')!.shape, [1, 1, 32, 64]);
      assert.deepEqual(c.params.get('conn2.w')!.shape, [1, 1, 64, 256]);
      assert.deepEqual(c.params.get('conn2.gamma')!.shape, [256]);
      assert.deepEqual([...c.stats.keys()].sort(), [
        'conn1.mean',
        'conn1.var',
        'conn2.mean',
        'conn2.var',
      ]);
      for (const v of c.stats.values()) assert.equal(v.trainable, false);
      tf.tidy(() => {
        const taps = [
          tf.ones([2, 4, 4, 16]),
          tf.ones([2, 2, 2, 32]),
          tf.ones([2, 1, 1, 64]),
        ] as tf.Tensor4D[];
        const out = c.apply(taps, true);
        assert.equal(out[0], taps[0]);
        assert.deepEqual(out[1].shape, [2, 2, 2, 64]);
        assert.deepEqual(out[2].shape, [2, 1, 1, 256]);
      });
    } finally {
      c.dispose();
    }
  });

  it('all identity → no parameters; mismatched tap counts throw', () => {
    const c = new Connectors([32, 64], [32, 64]);
    assert.equal(c.params.size, 0);
    assert.deepEqual(c.identity, [true, true]);
    c.dispose();
    assert.throws(() => new Connectors([16, 32], [16, 32, 64]), /2 student taps vs 3 teacher taps/);
  });

  it('r(S) = BN(conv1×1(S)): batch statistics in training, running ones in eval; stats move', () => {
    const c = new Connectors([3], [5], 'paper', 4);
    try {
      const s = tf.randomNormal([2, 3, 3, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const w = c.params.get('conn0.w')!;
      const mean0 = c.stats.get('conn0.mean')!.dataSync().slice();
      tf.tidy(() => {
        const conv = tf.conv2d(s, w as tf.Tensor4D, 1, 'valid');
        const { mean, variance } = tf.moments(conv, [0, 1, 2]);
        const want = tf.div(tf.sub(conv, mean), tf.sqrt(tf.add(variance, BN_EPS)));
        const got = c.apply([s], true)[0];
        assert.ok(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] < 1e-5);
        const moved = c.stats.get('conn0.mean')!.dataSync();
        const bm = mean.dataSync();
        for (let i = 0; i < 5; i++)
          assert.ok(Math.abs(moved[i] - (0.9 * mean0[i] + 0.1 * bm[i])) < 1e-6, `mean ${i}`);
        // Eval: with running mean/var the output is (conv − rm)/√(rv + eps).
        const rm = c.stats.get('conn0.mean')!;
        const rv = c.stats.get('conn0.var')!;
        const evalWant = tf.div(tf.sub(conv, rm), tf.sqrt(tf.add(rv, BN_EPS)));
        assert.ok(tf.max(tf.abs(tf.sub(c.apply([s], false)[0], evalWant))).dataSync()[0] < 1e-5);
      });
      s.dispose();
    } finally {
      c.dispose();
    }
  });

  it("init: 'paper' N(0, √(2/out)), 'torch' U(±1/√in); γ=1, β=0; seeded", () => {
    const paper = new Connectors([64], [256], 'paper', 1);
    const torch = new Connectors([64], [256], 'torch', 1);
    const again = new Connectors([64], [256], 'paper', 1);
    const other = new Connectors([64], [256], 'paper', 2);
    try {
      const p = Array.from(paper.params.get('conn0.w')!.dataSync());
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      const std = Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / p.length);
      assert.ok(Math.abs(std / Math.sqrt(2 / 256) - 1) < 0.03, `std ${std}`);
      assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
      const t = Array.from(torch.params.get('conn0.w')!.dataSync());
      const bound = 1 / Math.sqrt(64);
      const maxAbs = t.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      assert.ok(maxAbs <= bound && maxAbs > 0.98 * bound, `max |w| ${maxAbs} vs ${bound}`);
      for (const k of [paper, torch]) {
        assert.ok(
          k.params
            .get('conn0.gamma')!
            .dataSync()
            .every((v) => v === 1),
        );
        assert.ok(
          k.params
            .get('conn0.beta')!
            .dataSync()
            .every((v) => v === 0),
        );
      }
      assert.deepEqual(Array.from(again.params.get('conn0.w')!.dataSync()), p);
      assert.notDeepEqual(Array.from(other.params.get('conn0.w')!.dataSync()), p);
    } finally {
      [paper, torch, again, other].forEach((c) => c.dispose());
    }
  });
});
