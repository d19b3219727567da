import { check } from './data-error';
import { hashKey, mulberry32, shuffleInPlace, STREAM } from './rng';

/** The order in which an epoch visits n examples: a permutation of 0..n-1 keyed by (seed, epoch). */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  check(
    Number.isInteger(n) && n >= 0,
    () => `epochOrder: n must be a non-negative integer, got ${n}`,
  );
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, mulberry32(hashKey(STREAM.order, seed, epoch)));
  return order;
}

/** Cuts an order into consecutive batches of batchSize; the last one may be smaller. */
export function batchIndices(order: Int32Array, batchSize: number): Int32Array[] {
  check(
    Number.isInteger(batchSize) && batchSize >= 1,
    () => `batchIndices: batch size must be a positive integer, got ${batchSize}`,
  );
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}
