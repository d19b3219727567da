import { check } from './data-error';
import { hashKey, mulberry32, randInt, STREAM } from './rng';

export interface AugmentOptions {
  seed: number;
  epoch: number;
  /** The example's index in its dataset (not its place in a batch). */
  index: number;
  /** Reflect padding on every side before the random crop (4 in the paper). */
  pad: number;
  /** Whether a random horizontal flip (p = 0.5) is applied. */
  flip: boolean;
}

/** Mirror index into [0, size) the way numpy/PyTorch 'reflect' does (edge not repeated). */
export function reflectIndex(i: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let m = ((i % period) + period) % period;
  if (m >= size) m = period - m;
  return m;
}

/**
 * Reflect-pads one h×w×c image by `pad`, crops a random h×w window back out (offsets uniform in
 * [0, 2·pad], top then left, as torchvision's RandomCrop), then flips it horizontally with
 * probability 0.5 when `flip`. A pure function of (seed, epoch, index): no other image and no
 * call order changes the result.
 */
export function augmentImage(
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  opts: AugmentOptions,
  out: Uint8Array,
): void {
  const size = h * w * c;
  check(
    src.length >= size,
    () => `augmentImage: source has ${src.length} bytes, ${h}×${w}×${c} needs ${size}`,
  );
  check(out.length >= size, () => `augmentImage: output has ${out.length} bytes, needs ${size}`);
  const { pad } = opts;
  check(
    Number.isInteger(pad) && pad >= 0 && pad < h && pad < w,
    () =>
      `augmentImage: reflect pad must be an integer in [0, ${Math.min(h, w) - 1}] for ${h}×${w}, got ${pad}`,
  );
  const rng = mulberry32(hashKey(STREAM.augment, opts.seed, opts.epoch, opts.index));
  const top = randInt(rng, 2 * pad + 1) - pad;
  const left = randInt(rng, 2 * pad + 1) - pad;
  const mirror = opts.flip && rng() < 0.5;
  // Source column offset of every output column, computed once per image.
  const cols = new Int32Array(w);
  for (let x = 0; x < w; x++) cols[x] = reflectIndex((mirror ? w - 1 - x : x) + left, w) * c;
  for (let y = 0; y < h; y++) {
    const srcRow = reflectIndex(y + top, h) * w * c;
    let o = y * w * c;
    if (c === 1) {
      for (let x = 0; x < w; x++) out[o++] = src[srcRow + cols[x]];
    } else {
      for (let x = 0; x < w; x++) {
        const s = srcRow + cols[x];
        for (let k = 0; k < c; k++) out[o++] = src[s + k];
      }
    }
  }
}
