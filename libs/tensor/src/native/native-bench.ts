// Native vs stock wasm kernel throughput. One JSON line per figure:
//   {"bench":"native","op":"conv2d_fwd","case":"b128_32x32_32-32_k3s1","impl":"native","gflops":…,"ms":…}
// Usage: node --import tsx libs/tensor/src/native/native-bench.ts [--native-only] [--reps N]
// Env: ABD_NATIVE_THREADS (threads), ABD_NATIVE_LAYOUT=any (let oneDNN pick blocked layouts).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { nativeBatchNormRelu, registerNativeKernels } from './index';
import { loadAddon } from './load-addon';
import { heapOf, offsetOf } from './wasm-heap';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface ConvCase {
  name: string;
  n: number;
  hw: number;
  ci: number;
  co: number;
  k: number;
  s: number;
}

const convCases: ConvCase[] = [
  { name: 'b128_32x32_32-32_k3s1', n: 128, hw: 32, ci: 32, co: 32, k: 3, s: 1 },
  { name: 'b128_28x28_16-16_k3s1', n: 128, hw: 28, ci: 16, co: 16, k: 3, s: 1 },
  { name: 'b128_16x16_64-128_k3s2', n: 128, hw: 16, ci: 64, co: 128, k: 3, s: 2 },
];
const args = process.argv.slice(2);
const nativeOnly = args.includes('--native-only');
const repsArg = args.indexOf('--reps');
const minReps = repsArg >= 0 ? Number(args[repsArg + 1]) : 3;

/**
 * Fastest ms of `fn` (each call's outputs disposed) after one warm-up call: the minimum is the figure
 * least disturbed by other load on a shared machine. wasm kernels are synchronous.
 */
async function time(fn: () => tf.Tensor | void): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const out = fn();
    const ms = performance.now() - t0;
    if (out) out.dispose();
    return ms;
  };
  await once();
  const ms: number[] = [];
  const deadline = performance.now() + 1500;
  while (ms.length < minReps || (performance.now() < deadline && ms.length < 20))
    ms.push(await once());
  return Math.min(...ms);
}

function line(
  op: string,
  name: string,
  impl: string,
  flops: number,
  ms: number | undefined,
  extra = {},
): void {
  const gflops = ms === undefined ? null : +(flops / ms / 1e6).toFixed(2);
  console.log(
    JSON.stringify({
      bench: 'native',
      op,
      case: name,
      impl,
      gflops,
      ms: ms && +ms.toFixed(2),
      ...extra,
    }),
  );
}

async function convFigures(impl: string): Promise<void> {
  for (const c of convCases) {
    const x = tf.randomNormal([c.n, c.hw, c.hw, c.ci]) as tf.Tensor4D;
    const f = tf.randomNormal([c.k, c.k, c.ci, c.co]) as tf.Tensor4D;
    const y = tf.conv2d(x, f, c.s, 'same');
    const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
    const flops = 2 * y.size * c.ci * c.k * c.k;
    const attrs = {
      strides: c.s,
      pad: 'same',
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    } as const;
    const kernel = (name: string, inputs: tf.NamedTensorMap, extra: object) => () =>
      tf
        .engine()
        .runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const fwd = await time(() => tf.conv2d(x, f, c.s, 'same'));
    line('conv2d_fwd', c.name, impl, flops, fwd);
    const bwdData = await time(
      kernel('Conv2DBackpropInput', { dy, filter: f }, { inputShape: x.shape }),
    );
    line('conv2d_bwd_data', c.name, impl, flops, bwdData);
    // The stock wasm backend has no Conv2DBackpropFilter.
    const bwdFilter = tf.getKernel('Conv2DBackpropFilter', 'wasm')
      ? await time(kernel('Conv2DBackpropFilter', { x, dy }, { filterShape: f.shape }))
      : undefined;
    line(
      'conv2d_bwd_filter',
      c.name,
      impl,
      flops,
      bwdFilter,
      bwdFilter === undefined ? { note: 'no kernel' } : {},
    );
    // One training step of the layer (compare with fwd_bwd_ms of native/bench/torch-reference.py).
    const step = bwdFilter === undefined ? undefined : fwd + bwdData + bwdFilter;
    line('conv2d_fwd_bwd', c.name, impl, 3 * flops, step);
    tf.dispose([x, f, y, dy]);
  }
}

async function matMulFigures(impl: string): Promise<void> {
  const n = 1024;
  const a = tf.randomNormal([n, n]) as tf.Tensor2D;
  const b = tf.randomNormal([n, n]) as tf.Tensor2D;
  line('matmul', `${n}x${n}x${n}`, impl, 2 * n ** 3, await time(() => tf.matMul(a, b)));
  line(
    'matmul_tA_tB',
    `${n}x${n}x${n}`,
    impl,
    2 * n ** 3,
    await time(() => tf.matMul(a, b, true, true)),
  );
  tf.dispose([a, b]);
}

/** Training-mode batch norm + ReLU, forward and backward: tf ops on wasm vs the fused native op. */
async function batchNormReluFigure(impl: string): Promise<void> {
  const shape = [128, 32, 32, 32];
  const x = tf.randomNormal(shape),
    dy = tf.randomNormal(shape);
  const gamma = tf.ones([32]) as tf.Tensor1D,
    beta = tf.zeros([32]) as tf.Tensor1D;
  const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    if (impl === 'native') return nativeBatchNormRelu(a, g as tf.Tensor1D, b as tf.Tensor1D).y;
    const { mean, variance } = tf.moments(a, [0, 1, 2]);
    return tf.relu(tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5));
  };
  const step = () => {
    tf.dispose(
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), dy)))([
          x,
          gamma,
          beta,
        ]),
      ),
    );
  };
  // Memory-bound, not FLOP-bound: report ms of the whole step (including the loss's mul/sum).
  const ms = await time(step);
  console.log(
    JSON.stringify({
      bench: 'native',
      op: 'batch_norm_relu_fwd_bwd',
      case: 'b128_32x32_32',
      impl,
      ms: +ms.toFixed(2),
    }),
  );
  tf.dispose([x, dy, gamma, beta]);
}

/** Raw dnnl_sgemm on wasm-heap operands: the GEMM ceiling of this machine for the addon. */
async function gemmCeiling(): Promise<void> {
  const addon = loadAddon().addon!;
  for (const n of [1024, 2048]) {
    const a = tf.randomNormal([n, n]),
      b = tf.randomNormal([n, n]),
      c = tf.zeros([n, n]);
    const be = tf.backend() as unknown as BackendWasm;
    const ms = await time(() =>
      addon.sgemm(
        false,
        false,
        n,
        n,
        n,
        heapOf(be),
        offsetOf(be, a),
        offsetOf(be, b),
        offsetOf(be, c),
      ),
    );
    line('sgemm_ceiling', `${n}x${n}x${n}`, 'native', 2 * n ** 3, ms);
    tf.dispose([a, b, c]);
  }
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  if (!nativeOnly) {
    await convFigures('wasm');
    await matMulFigures('wasm');
    await batchNormReluFigure('wasm');
  }
  const status = registerNativeKernels();
  console.log(JSON.stringify({ bench: 'native', status }));
  if (!status.loaded) return;
  await convFigures('native');
  await matMulFigures('native');
  await batchNormReluFigure('native');
  await gemmCeiling();
  console.log(JSON.stringify({ bench: 'native', info: loadAddon().addon!.info() }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
