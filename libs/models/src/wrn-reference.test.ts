import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Wrn } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Cross-check of the whole network (padding at stride 2, shortcut placement, tap points, BN in
 * train mode and its running-stat update, eval mode) against the PyTorch reference WRN
 * (torch_wrn_bench.py, kept outside this repository) with the same deterministic weights and input.
 * REF was printed by `/usr/bin/python3 wrn_ref.py`, wrn_ref.py being the script at the end of
 * this file.
 */
interface Ref {
  cfg: [number, number, number, number, number]; // depth, widen, inChannels, batch, height = width
  params: number;
  logitsTrain: number[][];
  logitsEval: number[][]; // after the one train-mode forward moved the running stats
  tapShapes: number[][]; // NHWC
  tapSums: Array<[number, number]>; // [Σ tap, Σ |tap|], train mode
  stats: Record<string, [number, number]>; // running stat after one train forward: [Σ v, Σ v²]
}

const REF: Ref[] = [
  {
    cfg: [16, 1, 1, 3, 12],
    params: 174778,
    logitsTrain: [
      [
        -0.129697, 0.068801, -0.157552, 0.005848, 0.380551, -0.228253, -0.582901, 0.3226, 0.243885,
        -0.097529,
      ],
      [
        -0.061632, 0.211252, -0.299323, 0.050837, 0.494827, 0.224708, -0.326824, 0.274483,
        -0.018422, -0.203401,
      ],
      [
        0.123453, 0.124058, -0.125578, 0.175359, 0.056871, -0.07966, 0.194856, 0.027799, 0.254026,
        -0.053857,
      ],
    ],
    logitsEval: [
      [
        0.373172, -0.117055, -0.265668, 0.17984, 0.125257, 0.081176, -0.250813, 0.052943, 0.19332,
        -0.22883,
      ],
      [
        0.262365, -0.212772, -0.223217, 0.110747, 0.064795, 0.198419, -0.258353, -0.026279,
        0.298436, -0.179685,
      ],
      [
        0.127123, -0.076583, -0.082596, -0.067672, -0.084065, 0.312937, -0.30655, -0.089636,
        0.491422, -0.176921,
      ],
    ],
    tapShapes: [
      [3, 12, 12, 16],
      [3, 6, 6, 32],
      [3, 3, 3, 64],
    ],
    tapSums: [
      [51.6397, 5702.61914],
      [9.90961, 2721.86328],
      [1.90972, 1405.26917],
    ],
    stats: {
      'g1.b0.bn1.mean': [0.000727, 1.9e-5],
      'g1.b0.bn1.var': [15.818863, 15.658154],
      'g2.b0.bn1.var': [17.625893, 19.598465],
      'g3.b0.bn2.mean': [-0.032641, 0.024703],
      'bn.mean': [-0.059924, 0.032367],
      'bn.var': [61.455612, 59.02972],
    },
  },
  {
    cfg: [10, 2, 3, 2, 9],
    params: 303706,
    logitsTrain: [
      [
        -0.197764, -0.25246, 0.39715, -0.309154, 0.224448, -0.166894, 0.192803, 0.061118, 0.093159,
        0.186661,
      ],
      [
        -0.115026, -0.208027, 1.04219, -0.313462, -0.088855, 0.110774, -0.341642, -0.0616, 0.071425,
        0.36408,
      ],
    ],
    logitsEval: [
      [
        0.060258, -0.134328, 0.042379, -0.154326, 0.399321, -0.214369, -0.238124, 0.316441,
        0.109668, -0.041696,
      ],
      [
        0.056339, -0.194292, 0.129964, -0.237355, 0.47659, -0.199772, -0.256823, 0.241519, 0.01711,
        0.047868,
      ],
    ],
    tapShapes: [
      [2, 9, 9, 32],
      [2, 5, 5, 64],
      [2, 3, 3, 128],
    ],
    tapSums: [
      [9.3344, 4144.02881],
      [4.91756, 2488.29712],
      [0.21873, 1797.3584],
    ],
    stats: {
      'g1.b0.bn1.mean': [0.001122, 1.4e-5],
      'g1.b0.bn1.var': [15.571502, 15.161467],
      'g2.b0.bn1.var': [29.905092, 27.949984],
      'g3.b0.bn2.mean': [-0.033184, 0.005512],
      'bn.mean': [-0.067164, 0.063733],
      'bn.var': [125.021294, 122.206711],
    },
  },
];

/** The integers the Python script uses: ((j·7919 + L·104729) mod 10007) / 10007, exact in both. */
const u = (j: number, L: number) => ((j * 7919 + L * 104729) % 10007) / 10007;

/** Fills the model like the script: L = index of the name among the sorted names, j = PyTorch flat index. */
function fillLikeScript(m: Wrn): void {
  const order = [...m.params.keys()].sort();
  for (const [name, v] of m.params) {
    const L = order.indexOf(name);
    const out = new Float32Array(v.size);
    if (v.rank === 4) {
      const [kh, kw, ci, co] = v.shape;
      const bound = Math.sqrt(6 / (ci * kh * kw));
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          for (let i = 0; i < ci; i++)
            for (let o = 0; o < co; o++)
              out[((y * kw + x) * ci + i) * co + o] =
                (2 * u(((o * ci + i) * kh + y) * kw + x, L) - 1) * bound;
    } else if (name === 'fc.w') {
      const [fin, fout] = v.shape;
      for (let i = 0; i < fin; i++)
        for (let o = 0; o < fout; o++) out[i * fout + o] = (2 * u(o * fin + i, L) - 1) * 0.3;
    } else {
      const isGamma = name.endsWith('.gamma');
      for (let c = 0; c < v.size; c++)
        out[c] = isGamma ? 1 + 0.2 * (2 * u(c, L) - 1) : 0.1 * (2 * u(c, L) - 1);
    }
    v.assign(tf.tensor(out, v.shape));
  }
}

function inputLikeScript(n: number, hw: number, c: number): tf.Tensor4D {
  const x = new Float32Array(n * hw * hw * c);
  for (let e = 0; e < x.length; e++) x[e] = 2 * u(e, 999) - 1;
  return tf.tensor4d(x, [n, hw, hw, c]);
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]));
    assert.ok(ok, `${what}[${i}]: ${got[i]} vs torch ${want[i]}`);
  }
}

describe('WRN against the PyTorch reference', () => {
  for (const ref of REF) {
    const [depth, widen, inChannels, n, hw] = ref.cfg;
    it(`WRN-${depth}-${widen}, ${n}×${hw}×${hw}×${inChannels}: train/eval logits, taps, running stats`, () => {
      const m = new Wrn({ depth, widen, inChannels, numClasses: 10 });
      const x = inputLikeScript(n, hw, inChannels);
      try {
        assert.equal(m.parameterCount(), ref.params);
        tf.tidy(() => fillLikeScript(m));
        tf.tidy(() => {
          const out = m.forward(x, { training: true });
          close(out.logits.dataSync(), ref.logitsTrain.flat(), 2e-4, 'train logits');
          out.taps.forEach((t, i) => {
            assert.deepEqual(t.shape, ref.tapShapes[i]);
            const [sum, sumAbs] = [tf.sum(t).dataSync()[0], tf.sum(tf.abs(t)).dataSync()[0]];
            // Σ tap is a sum of nearly cancelling terms: compare it on the scale of Σ|tap|.
            const [wantSum, wantAbs] = ref.tapSums[i];
            assert.ok(
              Math.abs(sum - wantSum) < 1e-5 * wantAbs,
              `tap${i + 1} Σ ${sum} vs torch ${wantSum}`,
            );
            close([sumAbs], [wantAbs], 1e-4, `tap${i + 1} Σ|·|`);
          });
        });
        for (const [name, want] of Object.entries(ref.stats)) {
          const d = m.stats.get(name)?.dataSync();
          assert.ok(d, name);
          let s = 0;
          let s2 = 0;
          for (const e of d) {
            s += e;
            s2 += e * e;
          }
          close([s, s2], want, 1e-4, name);
        }
        tf.tidy(() =>
          close(
            m.forward(x, { training: false }).logits.dataSync(),
            ref.logitsEval.flat(),
            2e-4,
            'eval logits',
          ),
        );
      } finally {
        x.dispose();
        m.dispose();
      }
    });
  }
});

/* The script (Python 3, Debian torch); run with /usr/bin/python3 wrn_ref.py:

# Train-mode forward of the reference WRN with deterministic weights; prints JSON for wrn-reference.test.ts.
import json, sys, torch, torch.nn.functional as F
sys.path.insert(0, REF_DIR); sys.argv = ['x', '--quick']
from torch_wrn_bench import WRN
torch.set_num_threads(1)

def u(j, L):  # same integers in TS: ((j*7919 + L*104729) % 10007) / 10007
    return ((j * 7919 + L * 104729) % 10007) / 10007

def names(m):  # torch parameter/buffer name → our name
    out = {}
    for k in list(dict(m.named_parameters())) + list(dict(m.named_buffers())):
        parts = k.split('.')
        if parts[0] == 'g': pre, rest = f'g{int(parts[1]) + 1}.b{parts[2]}', parts[3:]
        elif parts[0] == 'conv': pre, rest = 'conv0', parts[1:]
        else: pre, rest = parts[0], parts[1:]
        leaf = {'weight': 'w', 'bias': 'b', 'running_mean': 'mean', 'running_var': 'var'}.get(rest[-1], rest[-1])
        if pre != 'fc' and rest[-1] == 'weight' and (rest[0].startswith('bn') or pre == 'bn'): leaf = 'gamma'
        if pre != 'fc' and rest[-1] == 'bias': leaf = 'beta'
        if rest[-1] == 'num_batches_tracked': continue
        mod = '.'.join([pre] + rest[:-1])
        out[k] = f'{mod}.{leaf}'
    return out

def run(d, k, cin, n, hw):
    m = WRN(d, k, cin).train()
    nm = names(m)
    params = dict(m.named_parameters())
    order = sorted(v for kk, v in nm.items() if kk in params)
    with torch.no_grad():
        for kk, p in params.items():
            ours = nm[kk]; L = order.index(ours)
            flat = torch.tensor([u(j, L) for j in range(p.numel())], dtype=torch.float64)
            if ours.endswith('.gamma'): v = 1 + 0.2 * (2 * flat - 1)
            elif ours.endswith('.beta') or ours == 'fc.b': v = 0.1 * (2 * flat - 1)
            else: v = (2 * flat - 1) * (3 * 2 / (p[0].numel())) ** 0.5 if p.dim() == 4 else (2 * flat - 1) * 0.3
            p.copy_(v.reshape(p.shape).float())
    # input NCHW from the NHWC index e = ((b*hw + y)*hw + x)*cin + c
    x = torch.zeros(n, cin, hw, hw)
    for b in range(n):
        for yy in range(hw):
            for xx in range(hw):
                for c in range(cin):
                    e = ((b * hw + yy) * hw + xx) * cin + c
                    x[b, c, yy, xx] = 2 * u(e, 999) - 1
    taps = []
    hooks = [mod.register_forward_hook(lambda mod, i, o: taps.append(o.detach().clone()))
             for mod in (m.g[1][0].bn1, m.g[2][0].bn1, m.bn)]
    h = m.conv(x)
    for g in m.g: h = g(h)
    last = m.bn(h)
    logits = m.fc(F.adaptive_avg_pool2d(F.relu(last), 1).flatten(1))
    for hk in hooks: hk.remove()
    m.eval()
    with torch.no_grad(): eval_logits = m.taps(x)[1]
    bufs = dict(m.named_buffers())
    stats = {nm[kk]: [round(float(v.sum()), 6), round(float((v * v).sum()), 6)] for kk, v in bufs.items() if kk in nm}
    t = lambda z: [[round(float(v), 6) for v in row] for row in z.tolist()]
    print(json.dumps({'cfg': [d, k, cin, n, hw], 'params': sum(p.numel() for p in params.values()),
        'logitsTrain': t(logits), 'logitsEval': t(eval_logits),
        'tapShapes': [list(z.permute(0, 2, 3, 1).shape) for z in taps],
        'tapSums': [[round(float(z.sum()), 5), round(float(z.abs().sum()), 5)] for z in taps],
        'stats': {kk: stats[kk] for kk in ('g1.b0.bn1.mean', 'g1.b0.bn1.var', 'g2.b0.bn1.var', 'g3.b0.bn2.mean', 'bn.mean', 'bn.var')}}))

run(16, 1, 1, 3, 12)
run(10, 2, 3, 2, 9)

*/
