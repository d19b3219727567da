import { ImageSet, subsetIndices } from '@abd/data';
import type { KdOptions } from './classify-stage';

/**
 * Size of the fixed test subset evaluated after every epoch for the curves of `abd ui`. The full
 * test pass (every `testEvery` epochs and after the last) stays the figure a run reports; this
 * one only draws the curve, so it can be small: on 1 000 images one epoch's error is known to
 * about ±1 point, and its forward pass costs a few % of a training epoch of the demo.
 */
export const CURVE_TEST_IMAGES = 1000;

/**
 * The curve's test subset: stratified (seed 0, so the same images for every method and run of
 * a dataset), or the whole test set when it has no more than `count` images.
 */
export function curveTestSet(test: ImageSet, count = CURVE_TEST_IMAGES): ImageSet {
  if (test.n <= count) return test;
  const idx = subsetIndices(test, { count, seed: 0 });
  const per = test.height * test.width * test.channels;
  const images = new Uint8Array(idx.length * per);
  const labels = new Uint8Array(idx.length);
  idx.forEach((i, k) => {
    images.set(test.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = test.labels[i];
  });
  return {
    ...test,
    images,
    labels,
    n: idx.length,
    source: `${test.source} (fixed ${idx.length}-image subset)`,
  };
}

/** The name of a classification loss as the curves label its axis (losses of different kinds never share one). */
export function classifyLossName(kd: KdOptions | undefined, joint?: string): string {
  let name = 'CE';
  if (kd) {
    const k = `KD${kd.t2Factor ? '·T²' : ''} (T = ${kd.temperature})`;
    name = kd.alpha > 0 ? `${Number((1 - kd.alpha).toPrecision(6))}·${k} + ${kd.alpha}·CE` : k;
  }
  return joint ? `${name} + ${joint} term` : name;
}
