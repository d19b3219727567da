import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Flat = Float32Array | Int32Array | Uint8Array;

/**
 * Tile on wasm by block copies: each dimension, innermost first, is written once and then
 * repeated with copyWithin, so tiling a [1, 1, 1, C] vector to [N, H, W, C] costs O(N + H + W)
 * copy calls instead of one index computation per output element (the stock kernel took ~0.1 s
 * per call on a 128×28×28×16 output: the gradient of tf.batchNorm calls it once per BN).
 */
export function tileInto(src: Flat, inShape: number[], reps: number[], dst: Flat): void {
  const rank = inShape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const outShape = inShape.map((s, i) => s * reps[i]!);
  const inBlock = new Array<number>(rank).fill(1);
  const outBlock = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    inBlock[d] = inBlock[d + 1]! * inShape[d + 1]!;
    outBlock[d] = outBlock[d + 1]! * outShape[d + 1]!;
  }
  const fill = (d: number, sOff: number, dOff: number): void => {
    if (d === rank - 1) dst.set(src.subarray(sOff, sOff + inShape[d]!), dOff);
    else
      for (let i = 0; i < inShape[d]!; i++)
        fill(d + 1, sOff + i * inBlock[d]!, dOff + i * outBlock[d]!);
    // Repeat the span written for this dimension, doubling the copied length each time.
    const span = inShape[d]! * outBlock[d]!;
    const total = span * reps[d]!;
    for (let done = span; done < total; done *= 2)
      dst.copyWithin(dOff + done, dOff, dOff + Math.min(done, total - done));
  };
  fill(0, 0, 0);
}

export function tileConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    kernelFunc: (params) => {
      const x = params.inputs.x as TensorInfo;
      const reps = (params.attrs as { reps: number[] }).reps;
      if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) {
        if (!stock) throw new Error(`abd: no wasm Tile kernel for ${x.dtype}`);
        return stock.kernelFunc(params);
      }
      const b = params.backend as unknown as BackendWasm;
      const out = b.makeOutput(
        x.shape.map((s, i) => s * reps[i]!),
        x.dtype,
      );
      if (tf.util.sizeFromShape(out.shape) > 0)
        tileInto(b.typedArrayFromHeap(x) as Flat, x.shape, reps, b.typedArrayFromHeap(out) as Flat);
      return out;
    },
  };
}
