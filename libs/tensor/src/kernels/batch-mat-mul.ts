import * as tf from '@tensorflow/tfjs-core';
import { callConfig, KernelInputError, release, transpose } from './kernel-utils';
import type { WasmBackendLike } from './kernel-utils';

type Args = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs?: tf.NamedAttrMap };

/**
 * BatchMatMul with transposeA/transposeB on wasm: the stock kernel transposes inside a
 * slow loop (≈ 2 GFLOP/s), while an explicit Transpose (memory-bound, cheap) followed by
 * the plain XNNPACK product runs at full speed. Small products keep the stock path,
 * where the extra copy is not worth it.
 */
export function makeBatchMatMul(stock: tf.KernelConfig | undefined): (args: Args) => tf.TensorInfo {
  return (args: Args): tf.TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as tf.BatchMatMulAttrs;
    if (stock == null)
      throw new KernelInputError(tf.BatchMatMul, 'stock wasm BatchMatMul not registered');
    const { transposeA, transposeB } = attrs;
    const flops = (t: tf.TensorInfo) => t.shape.reduce((x, y) => x * y, 1);
    // Below ~64k multiply-adds the transpose copy costs more than it saves.
    if (
      (!transposeA && !transposeB) ||
      flops(a) * (transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]) < 65536
    ) {
      return callConfig(stock, backend, inputs as Record<string, tf.TensorInfo>, args.attrs);
    }
    const swapLast = (t: tf.TensorInfo) => {
      const r = t.shape.length;
      const perm = t.shape.map((_, i) => i);
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return transpose(backend, t, perm);
    };
    const at = transposeA ? swapLast(a) : a;
    const bt = transposeB ? swapLast(b) : b;
    const out = callConfig(
      stock,
      backend,
      { a: at, b: bt },
      {
        ...(args.attrs ?? {}),
        transposeA: false,
        transposeB: false,
      },
    );
    if (at !== a) release(backend, at);
    if (bt !== b) release(backend, bt);
    return out;
  };
}

/** Kernel config: our BatchMatMul, falling back to `stock` (the wasm one). */
export function batchMatMulConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    setupFunc: stock?.setupFunc,
    disposeFunc: stock?.disposeFunc,
    kernelFunc: makeBatchMatMul(stock) as unknown as tf.KernelFunc,
  };
}
