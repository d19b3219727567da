import type { common } from '@abd/proto';

/**
 * The FloatTensor codec (float32, little-endian, row-major), one for every side of the wire:
 * teacher-inference writes logits and feature maps with it, the batch sources read them.
 */

/** A FloatTensor of `values` (copied: the answer must not share memory with a tensor's buffer). */
export function floatTensor(values: Float32Array, shape: readonly number[]): common.FloatTensor {
  return { data: Buffer.from(values.slice().buffer), shape: [...shape] };
}

/** Float32 values of a FloatTensor's little-endian bytes (copied, so alignment never matters). */
export function floatsOf(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length >> 2);
  new Uint8Array(out.buffer).set(data.subarray(0, out.length * 4));
  return out;
}
