import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BN_EPS, ModelConfigError, parseWrnName, validateWrnConfig, Wrn, wrnName } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

const cfg = (depth: number, widen: number, inChannels = 3) => ({
  depth,
  widen,
  inChannels,
  numClasses: 10,
});

describe('WRN parameter counts', () => {
  // Produced by: cd <dir of torch_wrn_bench.py> && /usr/bin/python3 -c "import sys; sys.argv=['x','--quick'];
  //   import torch_wrn_bench as b; [print(d,k,c,b.params(b.WRN(d,k,c))) for d,k,c in
  //   ((16,1,3),(16,2,3),(10,4,3),(16,4,3),(22,4,3),(10,1,1),(16,2,1))]"
  const torchCounts: Array<[number, number, number, number]> = [
    [16, 1, 3, 175066],
    [16, 2, 3, 691674],
    [10, 4, 3, 1198810],
    [16, 4, 3, 2748890],
    [22, 4, 3, 4298970],
    [10, 1, 1, 77562],
    [16, 2, 1, 691386],
  ];
  for (const [d, k, c, want] of torchCounts) {
    it(`WRN-${d}-${k} (${c} ch) has PyTorch's ${want} parameters`, () => {
      const m = new Wrn(cfg(d, k, c), 'torch');
      try {
        assert.equal(m.parameterCount(), want);
      } finally {
        m.dispose();
      }
    });
  }

  it('running statistics are not parameters and not trainable', () => {
    const m = new Wrn(cfg(10, 1, 1));
    try {
      // 7 BNs in WRN-10-1 (3 blocks × 2 + final), mean + var each.
      assert.equal(m.stats.size, 14);
      for (const [name, v] of m.stats) {
        assert.equal(v.trainable, false, name);
        assert.ok(!m.params.has(name), name);
      }
      for (const [name, v] of m.params) assert.equal(v.trainable, true, name);
    } finally {
      m.dispose();
    }
  });
});

describe('WRN shapes', () => {
  const cases: Array<{ d: number; k: number; c: number; hw: number; n: number; sp: number[] }> = [
    { d: 10, k: 1, c: 1, hw: 28, n: 2, sp: [28, 14, 7] },
    { d: 10, k: 2, c: 1, hw: 28, n: 1, sp: [28, 14, 7] }, // batch 1
    { d: 10, k: 1, c: 3, hw: 32, n: 2, sp: [32, 16, 8] },
    { d: 16, k: 1, c: 3, hw: 32, n: 1, sp: [32, 16, 8] },
    // Odd size: PyTorch's padding 1 gives ⌈h/2⌉ at stride 2.
    { d: 10, k: 1, c: 3, hw: 9, n: 1, sp: [9, 5, 3] },
  ];
  for (const { d, k, c, hw, n, sp } of cases) {
    it(`WRN-${d}-${k} on ${n}×${hw}×${hw}×${c}: logits [${n},10], taps at ${sp}`, () => {
      const m = new Wrn(cfg(d, k, c));
      try {
        assert.deepEqual(m.tapWidths, [16 * k, 32 * k, 64 * k]);
        for (const training of [true, false]) {
          const shapes = tf.tidy(() => {
            const x = tf.randomNormal([n, hw, hw, c], 0, 1, 'float32', 7) as tf.Tensor4D;
            const out = m.forward(x, { training });
            return { logits: out.logits.shape, taps: out.taps.map((t) => t.shape) };
          });
          assert.deepEqual(shapes.logits, [n, 10]);
          assert.deepEqual(shapes.taps, [
            [n, sp[0], sp[0], 16 * k],
            [n, sp[1], sp[1], 32 * k],
            [n, sp[2], sp[2], 64 * k],
          ]);
        }
      } finally {
        m.dispose();
      }
    });
  }

  it('invalid configs throw ModelConfigError naming the value', () => {
    const bad: Array<[Parameters<typeof validateWrnConfig>[0], RegExp]> = [
      [cfg(12, 1), /depth.*got 12/],
      [cfg(4, 1), /depth.*got 4/],
      [cfg(10.5, 1), /depth.*got 10\.5/],
      [cfg(10, 0), /widen.*got 0/],
      [cfg(10, 1.5), /widen.*got 1\.5/],
      [cfg(10, 1, 2), /channels.*got 2/],
      [{ ...cfg(10, 1), numClasses: 1 }, /classes.*got 1/],
    ];
    for (const [c, msg] of bad) {
      assert.throws(
        () => new Wrn(c),
        (e: unknown) => e instanceof ModelConfigError && msg.test(e.message),
        JSON.stringify(c),
      );
    }
  });

  it('parseWrnName / wrnName', () => {
    assert.deepEqual(parseWrnName('wrn-16-2'), { depth: 16, widen: 2 });
    assert.deepEqual(parseWrnName('WRN-22-4'), { depth: 22, widen: 4 });
    assert.deepEqual(parseWrnName(' 10-1 '), { depth: 10, widen: 1 });
    assert.deepEqual(parseWrnName('wrn16-4'), { depth: 16, widen: 4 });
    for (const bad of ['wrn-16', 'resnet-16-2', '16-2-1', 'wrn-a-b', '']) {
      assert.throws(
        () => parseWrnName(bad),
        (e: unknown) => e instanceof ModelConfigError && e.message.includes(`'${bad}'`),
        bad,
      );
    }
    assert.equal(wrnName({ depth: 22, widen: 4 }), 'wrn-22-4');
    assert.deepEqual(parseWrnName(wrnName({ depth: 28, widen: 10 })), { depth: 28, widen: 10 });
  });
});

/** conv with PyTorch padding (k−1)/2 on both sides, via an explicit pad and 'valid'. */
function torchConv(x: tf.Tensor4D, w: tf.Tensor4D, stride: number): tf.Tensor4D {
  const p = (w.shape[0] - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]) as tf.Tensor4D;
  return tf.conv2d(padded, w, stride, 'valid');
}

/** An independent eval-mode forward written from docs/design.md §2 (Network); returns the group outputs too. */
function referenceEval(m: Wrn, x: tf.Tensor4D) {
  const P = (n: string) => m.params.get(n)! as tf.Tensor;
  const bn = (h: tf.Tensor4D, n: string) =>
    tf.add(
      tf.mul(
        tf.div(
          tf.sub(h, m.stats.get(`${n}.mean`)!),
          tf.sqrt(tf.add(m.stats.get(`${n}.var`)!, BN_EPS)),
        ),
        P(`${n}.gamma`),
      ),
      P(`${n}.beta`),
    ) as tf.Tensor4D;
  const blocks = (m.config.depth - 4) / 6;
  let h = torchConv(x, P('conv0.w') as tf.Tensor4D, 1);
  const groupOut: tf.Tensor4D[] = [];
  for (let g = 1; g <= 3; g++) {
    for (let b = 0; b < blocks; b++) {
      const pre = `g${g}.b${b}`;
      const stride = g > 1 && b === 0 ? 2 : 1;
      const o = tf.relu(bn(h, `${pre}.bn1`));
      const y = torchConv(
        tf.relu(bn(torchConv(o, P(`${pre}.conv1.w`) as tf.Tensor4D, stride), `${pre}.bn2`)),
        P(`${pre}.conv2.w`) as tf.Tensor4D,
        1,
      );
      const short = m.params.get(`${pre}.short.w`);
      h = tf.add(y, short ? torchConv(o, short as tf.Tensor4D, stride) : h);
    }
    groupOut.push(h);
  }
  return {
    groupOut,
    taps: [bn(groupOut[0], 'g2.b0.bn1'), bn(groupOut[1], 'g3.b0.bn1'), bn(groupOut[2], 'bn')],
  };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('WRN tap semantics (docs/design.md §2)', () => {
  it('taps are the pre-ReLU BN outputs at the ends of the groups; logits = fc(avgpool(relu(tap3)))', () => {
    const m = new Wrn(cfg(16, 2, 1), 'paper', 3);
    try {
      // Non-trivial running statistics and affine parameters so that eval-mode BN is not ≈ identity.
      let i = 0;
      for (const [name, v] of [...m.stats, ...m.params].filter(([n]) => !n.endsWith('.w'))) {
        const s = 11 + i++;
        if (name.endsWith('.var')) v.assign(tf.randomUniform(v.shape, 0.5, 2, 'float32', s));
        else if (name.endsWith('.gamma'))
          v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', s));
        else v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', s));
      }
      tf.tidy(() => {
        const x = tf.randomNormal([2, 10, 10, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
        const ref = referenceEval(m, x);
        const out = m.forward(x, { training: false });
        for (let t = 0; t < 3; t++) {
          const scale = tf.max(tf.abs(ref.taps[t])).dataSync()[0];
          assert.ok(
            maxAbsDiff(out.taps[t], ref.taps[t]) < 1e-4 * Math.max(1, scale),
            `tap${t + 1}`,
          );
          // Pre-ReLU: a good share of every tap is negative.
          const neg = tf.mean(tf.cast(tf.less(out.taps[t], 0), 'float32')).dataSync()[0];
          assert.ok(neg > 0.2 && neg < 0.8, `tap${t + 1} negative share ${neg}`);
        }
        // tap1 is not the group-1 output itself (it is after g2.b0.bn1).
        assert.ok(maxAbsDiff(out.taps[0], ref.groupOut[0]) > 0.1);

        // Logits by hand in float64 from tap3 and fc.
        const [n, h, w, c] = out.taps[2].shape;
        const t3 = out.taps[2].dataSync();
        const fw = m.params.get('fc.w')!.dataSync();
        const fb = m.params.get('fc.b')!.dataSync();
        const logits = out.logits.dataSync();
        for (let b = 0; b < n; b++) {
          const pooled = new Float64Array(c);
          for (let p = 0; p < h * w; p++)
            for (let ch = 0; ch < c; ch++)
              pooled[ch] += Math.max(0, t3[(b * h * w + p) * c + ch]) / (h * w);
          for (let k = 0; k < 10; k++) {
            let z = fb[k];
            for (let ch = 0; ch < c; ch++) z += pooled[ch] * fw[ch * 10 + k];
            assert.ok(
              Math.abs(z - logits[b * 10 + k]) < 1e-4,
              `logit ${b},${k}: ${logits[b * 10 + k]} vs ${z}`,
            );
          }
        }
      });
    } finally {
      m.dispose();
    }
  });

  it('eval-mode forward is deterministic and does not move the running statistics', () => {
    const m = new Wrn(cfg(10, 1, 1));
    try {
      const before = [...m.stats.values()].map((v) => Array.from(v.dataSync()));
      const [a, b] = [0, 1].map(() =>
        tf.tidy(() => m.forward(tf.ones([2, 8, 8, 1]) as tf.Tensor4D, { training: false }).logits),
      );
      assert.equal(maxAbsDiff(a, b), 0);
      tf.dispose([a, b]);
      [...m.stats.values()].forEach((v, i) =>
        assert.deepEqual(Array.from(v.dataSync()), before[i]),
      );
    } finally {
      m.dispose();
    }
  });
});
