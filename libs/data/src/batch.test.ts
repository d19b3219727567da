import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentImage } from './augment';
import { channelStats, makeBatch, normalize } from './batch';
import { DataError } from './data-error';
import type { ImageSet } from './image-set';

function set(images: number[], labels: number[], h: number, w: number, c: number): ImageSet {
  return {
    name: 'toy',
    split: 'train',
    images: Uint8Array.from(images),
    labels: Uint8Array.from(labels),
    n: labels.length,
    height: h,
    width: w,
    channels: c,
    classes: 10,
    classNames: [],
    source: 'test',
  };
}

// Two 1×2 images, 2 channels: ch0 = 0, 255, 0, 255 → mean 0.5, std 0.5; ch1 = 51, 51, 102, 102 → 0.3, 0.1.
const toy = set([0, 51, 255, 51, 0, 102, 255, 102], [3, 7], 1, 2, 2);

test('channelStats hand-checked', () => {
  const s = channelStats(toy);
  assert.ok(
    Math.abs(s.mean[0] - 0.5) < 1e-12 && Math.abs(s.std[0] - 0.5) < 1e-12,
    JSON.stringify(s),
  );
  assert.ok(
    Math.abs(s.mean[1] - 0.3) < 1e-12 && Math.abs(s.std[1] - 0.1) < 1e-12,
    JSON.stringify(s),
  );
  const first = channelStats(toy, Int32Array.of(0));
  assert.ok(Math.abs(first.mean[1] - 0.2) < 1e-12 && first.std[1] === 0, JSON.stringify(first));
});

test('normalize: (x/255 − mean)/std per channel, NHWC', () => {
  const out = normalize(toy.images, 2, 1, 2, 2, { mean: [0.5, 0.3], std: [0.5, 0.1] });
  const want = [-1, -1, 1, -1, -1, 1, 1, 1];
  want.forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `element ${i}: ${out[i]} ≠ ${v}`));
  assert.throws(() => normalize(toy.images, 2, 1, 2, 2, { mean: [0.5], std: [0.5] }), DataError);
  assert.throws(
    () => normalize(toy.images, 2, 1, 2, 2, { mean: [0, 0], std: [1, 0] }),
    /std must be positive/,
  );
});

test('makeBatch gathers by index; augmentation keyed by dataset index, not batch position', () => {
  const h = 4,
    w = 4,
    c = 1;
  const images = Array.from({ length: 3 * 16 }, (_, i) => (i * 11) & 0xff);
  const s = set(images, [1, 2, 3], h, w, c);
  const b = makeBatch(s, Int32Array.of(2, 0));
  assert.equal(b.n, 2);
  assert.deepEqual(Array.from(b.labels), [3, 1]);
  assert.deepEqual(Array.from(b.images.subarray(0, 16)), images.slice(32, 48));
  assert.deepEqual(Array.from(b.images.subarray(16)), images.slice(0, 16));

  const augment = { seed: 9, epoch: 2, pad: 2, flip: true };
  const one = makeBatch(s, Int32Array.of(2), { augment });
  const two = makeBatch(s, Int32Array.of(0, 1, 2), { augment });
  assert.deepEqual(two.images.subarray(32), one.images);
  const ref = new Uint8Array(16);
  augmentImage(s.images.subarray(32, 48), h, w, c, { ...augment, index: 2 }, ref);
  assert.deepEqual(one.images, ref);
  assert.throws(
    () => makeBatch(s, Int32Array.of(3)),
    /index 3 at position 0 is outside toy\/train \(n = 3\)/,
  );
});
