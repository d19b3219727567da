// Greater against a one-element float32 operand on the native addon: ρ(x) = x > 0, the AB
// method's sign map, in one threaded pass. The stock wasm kernel takes its broadcasting path for a
// scalar: ~28 ms on a 128×32×32×64 map, where a unary wasm kernel takes ~2 ms; `abd bench --only
// ab` was 5–8 % slower once the AB loss's mask went through Greater.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from './load-addon';
import { input, overrideWasmKernel } from './kernel-override';
import { heapOf, offsetOf } from './wasm-heap';

export function registerCompareKernels(addon: NativeAddon): string[] {
  const greaterScalar = addon.greaterScalar?.bind(addon);
  if (greaterScalar === undefined) return [];
  overrideWasmKernel(tf.Greater, ({ inputs, backend }) => {
    const a = input(inputs, 'a');
    const b = input(inputs, 'b');
    // Other dtypes, a non-scalar b, or a b of higher rank (which adds dimensions): the fallback.
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    if (tf.util.sizeFromShape(b.shape) !== 1 || b.shape.length > a.shape.length) return undefined;
    const n = tf.util.sizeFromShape(a.shape);
    const out = backend.makeOutput(a.shape, 'bool');
    if (n === 0) return out;
    const s = (backend.typedArrayFromHeap(b) as Float32Array)[0]!;
    greaterScalar(heapOf(backend), offsetOf(backend, a), s, offsetOf(backend, out), n);
    return out;
  });
  return [tf.Greater];
}
