import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Wrn } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

function moments(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

describe('WRN initialisation', () => {
  it("'paper': convs N(0, √(2/(k·k·out))), BN γ=1 β=0, fc bias 0, fc weight U(±1/√in)", () => {
    const m = new Wrn({ depth: 10, widen: 4, inChannels: 3, numClasses: 10 }, 'paper', 7);
    try {
      // Big layers: tight; the 16→64 conv (std by out ≠ std by in, a factor 2) and the 1×1 shortcut too.
      const checks: Array<[string, number, number]> = [
        ['g3.b0.conv2.w', 3, 256], // 589 824 values
        ['g1.b0.conv1.w', 3, 64], // 9 216 values, in = 16
        ['g2.b0.short.w', 1, 128], // 8 192 values, in = 64
        ['conv0.w', 3, 16], // 432 values
      ];
      for (const [name, k, out] of checks) {
        const v = m.params.get(name)!;
        assert.equal(v.shape[3], out, name);
        const { mean, std } = moments(v.dataSync());
        const want = Math.sqrt(2 / (k * k * out));
        const tol = 4 / Math.sqrt(2 * v.size) + 0.002; // ~4σ of the sample std
        assert.ok(Math.abs(std / want - 1) < tol, `${name}: std ${std} vs ${want}`);
        assert.ok(Math.abs(mean) < (4 * want) / Math.sqrt(v.size), `${name}: mean ${mean}`);
      }
      for (const [name, v] of m.params) {
        const d = v.dataSync();
        if (name.endsWith('.gamma'))
          assert.ok(
            d.every((x) => x === 1),
            name,
          );
        if (name.endsWith('.beta'))
          assert.ok(
            d.every((x) => x === 0),
            name,
          );
      }
      assert.ok(
        m.params
          .get('fc.b')!
          .dataSync()
          .every((x) => x === 0),
      );
      const fc = Array.from(m.params.get('fc.w')!.dataSync());
      const maxAbs = fc.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      assert.ok(maxAbs <= 1 / 16 && maxAbs > 0.9 / 16, `fc max ${maxAbs}`);
      for (const [name, v] of m.stats) {
        const want = name.endsWith('.var') ? 1 : 0;
        assert.ok(
          v.dataSync().every((x) => x === want),
          name,
        );
      }
    } finally {
      m.dispose();
    }
  });

  it("'torch': every conv within U(±1/√fan_in) and filling it; fc bias nonzero within ±1/√in", () => {
    const m = new Wrn({ depth: 10, widen: 2, inChannels: 3, numClasses: 10 }, 'torch', 7);
    try {
      for (const [name, v] of m.params) {
        if (!name.endsWith('.w') || name === 'fc.w') continue;
        const [kh, kw, cin] = v.shape;
        const bound = 1 / Math.sqrt(kh * kw * cin);
        const d = Array.from(v.dataSync());
        const maxAbs = d.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
        assert.ok(maxAbs <= bound, `${name}: ${maxAbs} > ${bound}`);
        if (v.size >= 400)
          assert.ok(maxAbs > 0.95 * bound, `${name}: ${maxAbs} does not fill ±${bound}`);
        // Uniform: std = bound/√3.
        if (v.size >= 4000)
          assert.ok(Math.abs(moments(d).std / (bound / Math.sqrt(3)) - 1) < 0.05, name);
      }
      const b = m.params.get('fc.b')!.dataSync();
      assert.ok(b.every((x) => Math.abs(x) <= 1 / Math.sqrt(128)) && b.some((x) => x !== 0));
    } finally {
      m.dispose();
    }
  });

  it('same seed → identical weights; different seed → every conv differs', () => {
    const c = { depth: 10, widen: 1, inChannels: 1, numClasses: 10 };
    const [a, b, d] = [new Wrn(c, 'paper', 42), new Wrn(c, 'paper', 42), new Wrn(c, 'paper', 43)];
    try {
      assert.deepEqual([...a.params.keys()], [...d.params.keys()]);
      for (const [name, v] of a.params) {
        assert.deepEqual(b.params.get(name)!.dataSync(), v.dataSync(), name);
        if (name.endsWith('.w'))
          assert.notDeepEqual(d.params.get(name)!.dataSync(), v.dataSync(), name);
      }
      // Different layers of one model are not copies of each other.
      assert.notDeepEqual(
        a.params.get('g1.b0.conv1.w')!.dataSync(),
        a.params.get('g1.b0.conv2.w')!.dataSync(),
      );
    } finally {
      [a, b, d].forEach((m) => m.dispose());
    }
  });
});
