// Native BatchMatMul for the wasm backend (all transpose combinations, batch broadcast of 1).
import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './load-addon';
import { input, overrideWasmKernel, type KernelArgs } from './kernel-override';
import { heapOf, offsetOf } from './wasm-heap';

/** Whether outer dims are equal (after left-padding with 1s) so that flat batch indices line up. */
function sameOuter(a: number[], b: number[]): boolean {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  return pa.every((d, i) => d === pb[i]);
}

export function registerMatMulKernel(addon: NativeAddon): string[] {
  overrideWasmKernel(tf.BatchMatMul, ({ inputs, backend, attrs }: KernelArgs) => {
    const a = input(inputs, 'a'),
      b = input(inputs, 'b');
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const ra = a.shape.length,
      rb = b.shape.length;
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    tf.util.assert(
      k === kb,
      () =>
        `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ` +
        `${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
    const outerA = a.shape.slice(0, -2),
      outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA),
      batchB = tf.util.sizeFromShape(outerB);
    const outShape = broadcast_util.assertAndGetBroadcastShape(outerA, outerB).concat([m, n]);
    if (!(batchA === 1 || batchB === 1 || sameOuter(outerA, outerB)) || k === 0) return undefined;
    const out = backend.makeOutput(outShape, 'float32');
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    addon.matMul(
      heapOf(backend),
      offsetOf(backend, a),
      offsetOf(backend, b),
      offsetOf(backend, out),
      batchA,
      batchB,
      m,
      k,
      n,
      !!transposeA,
      !!transposeB,
    );
    return out;
  });
  return [tf.BatchMatMul];
}
