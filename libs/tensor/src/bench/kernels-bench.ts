// Micro benchmark of the wasm training kernels, stock vs ours.
// Run: node --import tsx libs/tensor/src/bench/kernels-bench.ts [--quick]
// Prints one JSON line per figure: {"bench":"kernels","op","impl","case","ms","gflops"}.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend';
import { stockWasmKernel } from '../kernels/register';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

const quick = process.argv.includes('--quick');
const minSeconds = quick ? 0.3 : 1.5;

function timeIt(fn: () => void): number {
  fn(); // warm-up (XNNPACK operator creation, memory growth)
  let reps = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds || reps < 2) {
    fn();
    reps++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return (elapsed / reps) * 1000;
}

function emit(op: string, impl: string, name: string, ms: number, flops: number): void {
  const gflops = flops / (ms / 1000) / 1e9;
  console.log(
    JSON.stringify({
      bench: 'kernels',
      op,
      impl,
      case: name,
      ms: +ms.toFixed(2),
      gflops: +gflops.toFixed(2),
    }),
  );
}

/** Runs a kernel config directly on the current backend and frees its output. */
function runConfig(
  config: tf.KernelConfig,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): void {
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
  backend.disposeData(out.dataId);
}

function benchConv(c: Case): void {
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const x = tf.randomNormal(c.x);
  const f = tf.randomNormal(c.filter);
  const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, 'same');
  const [, oh, ow] = y.shape;
  const flops = 2 * n * oh * ow * co * kh * kw * ci;
  const convAttrs = {
    strides: c.stride,
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: 1,
  } as unknown as tf.NamedAttrMap;
  emit(
    'conv2d',
    'stock',
    c.name,
    timeIt(() => runConfig(tf.getKernel(tf.Conv2D, 'wasm')!, { x, filter: f }, convAttrs)),
    flops,
  );

  const inAttrs = {
    strides: c.stride,
    pad: 'same',
    dataFormat: 'NHWC',
    inputShape: c.x,
  } as unknown as tf.NamedAttrMap;
  const stockIn = stockWasmKernel(tf.Conv2DBackpropInput);
  const oursIn = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!;
  if (stockIn != null && stockIn !== oursIn) {
    emit(
      'conv2d-backprop-input',
      'stock',
      c.name,
      timeIt(() => runConfig(stockIn, { dy: y, filter: f }, inAttrs)),
      flops,
    );
  }
  emit(
    'conv2d-backprop-input',
    'ours',
    c.name,
    timeIt(() => runConfig(oursIn, { dy: y, filter: f }, inAttrs)),
    flops,
  );

  const fAttrs = {
    strides: c.stride,
    pad: 'same',
    dataFormat: 'NHWC',
    filterShape: c.filter,
  } as unknown as tf.NamedAttrMap;
  const oursF = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')!;
  emit(
    'conv2d-backprop-filter',
    'ours',
    c.name,
    timeIt(() => runConfig(oursF, { x, dy: y }, fAttrs)),
    flops,
  );
  tf.dispose([x, f, y]);
  void h;
  void w;
}

function benchMatMul(m: number): void {
  const a = tf.randomNormal([1, m, m]);
  const b = tf.randomNormal([1, m, m]);
  const flops = 2 * m * m * m;
  const stock = stockWasmKernel(tf.BatchMatMul)!;
  const ours = tf.getKernel(tf.BatchMatMul, 'wasm')!;
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
  ] as const) {
    const attrs = { transposeA: ta, transposeB: tb } as unknown as tf.NamedAttrMap;
    const name = `${m}x${m}x${m}${ta ? ' tA' : ''}${tb ? ' tB' : ''}`;
    if (stock !== ours)
      emit(
        'matmul',
        'stock',
        name,
        timeIt(() => runConfig(stock, { a, b }, attrs)),
        flops,
      );
    emit(
      'matmul',
      'ours',
      name,
      timeIt(() => runConfig(ours, { a, b }, attrs)),
      flops,
    );
  }
  tf.dispose([a, b]);
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'wasm' });
  console.log(
    JSON.stringify({
      bench: 'kernels',
      backend: info.backend,
      simd: info.simd,
      threads: info.threads,
      native: info.native.loaded,
    }),
  );
  const b = quick ? 16 : 128;
  const cases: Case[] = [
    { name: `b${b} 32x32 32->32 k3 s1`, x: [b, 32, 32, 32], filter: [3, 3, 32, 32], stride: 1 },
    { name: `b${b} 28x28 16->16 k3 s1`, x: [b, 28, 28, 16], filter: [3, 3, 16, 16], stride: 1 },
    { name: `b${b} 32x32 32->64 k3 s2`, x: [b, 32, 32, 32], filter: [3, 3, 32, 64], stride: 2 },
    { name: `b${b} 32x32 32->64 k1 s2`, x: [b, 32, 32, 32], filter: [1, 1, 32, 64], stride: 2 },
  ];
  for (const c of cases) benchConv(c);
  benchMatMul(quick ? 256 : 1024);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
