import { augmentImage } from './augment';
import { check } from './data-error';
import type { ImageSet } from './image-set';

export interface BatchOptions {
  /** When set, each image is augmented as a function of (seed, epoch, its dataset index). */
  augment?: { seed: number; epoch: number; pad: number; flip: boolean };
}

export interface Batch {
  /** n×h×w×c uint8, NHWC. */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Gathers the examples at `indices` (augmented if asked) into one uint8 NHWC batch. */
export function makeBatch(set: ImageSet, indices: Int32Array, opts: BatchOptions = {}): Batch {
  const { height: h, width: w, channels: c } = set;
  const size = h * w * c;
  const n = indices.length;
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    check(
      Number.isInteger(i) && i >= 0 && i < set.n,
      () =>
        `makeBatch: index ${i} at position ${k} is outside ${set.name}/${set.split} (n = ${set.n})`,
    );
    const src = set.images.subarray(i * size, (i + 1) * size);
    const dst = images.subarray(k * size, (k + 1) * size);
    if (opts.augment) augmentImage(src, h, w, c, { ...opts.augment, index: i }, dst);
    else dst.set(src);
    labels[k] = set.labels[i];
  }
  return { images, labels, n };
}

/** (x/255 − mean[ch]) / std[ch] for uint8 NHWC images, as float32 NHWC. */
export function normalize(
  images: Uint8Array,
  n: number,
  h: number,
  w: number,
  c: number,
  stats: ChannelStats,
): Float32Array {
  const size = n * h * w * c;
  check(
    images.length >= size,
    () => `normalize: ${images.length} bytes, ${n}×${h}×${w}×${c} needs ${size}`,
  );
  check(
    stats.mean.length === c && stats.std.length === c,
    () =>
      `normalize: stats have ${stats.mean.length} means and ${stats.std.length} stds for ${c} channels`,
  );
  check(
    stats.std.every((s) => s > 0),
    () => `normalize: std must be positive, got [${stats.std.join(', ')}]`,
  );
  // One lookup table per channel: 256·c divisions instead of one per pixel.
  const lut = new Float32Array(256 * c);
  for (let k = 0; k < c; k++) {
    for (let v = 0; v < 256; v++) lut[k * 256 + v] = (v / 255 - stats.mean[k]) / stats.std[k];
  }
  const out = new Float32Array(size);
  if (c === 1) {
    for (let i = 0; i < size; i++) out[i] = lut[images[i]];
  } else {
    for (let i = 0; i < size; i++) out[i] = lut[(i % c) * 256 + images[i]];
  }
  return out;
}

/**
 * Per-channel mean and (population) standard deviation in [0, 1] units. Pass the training set
 * (optionally the training subset's indices): statistics of the test set would leak it.
 */
export function channelStats(set: ImageSet, indices?: Int32Array): ChannelStats {
  const c = set.channels;
  const size = set.height * set.width * c;
  // Exact: count each byte value per channel, then sum over 256 bins in float64.
  const hist = new Float64Array(256 * c);
  const count = (offset: number): void => {
    for (let p = 0; p < size; p++) hist[(p % c) * 256 + set.images[offset + p]]++;
  };
  if (indices) for (const i of indices) count(i * size);
  else for (let i = 0; i < set.n; i++) count(i * size);
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < c; k++) {
    let m = 0;
    let total = 0;
    for (let v = 0; v < 256; v++) {
      total += hist[k * 256 + v];
      m += hist[k * 256 + v] * (v / 255);
    }
    check(total > 0, () => `channelStats: ${set.name}/${set.split} has no pixels to measure`);
    m /= total;
    let s = 0;
    for (let v = 0; v < 256; v++) s += hist[k * 256 + v] * (v / 255 - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(s / total));
  }
  return { mean, std };
}
