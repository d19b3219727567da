import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentImage, reflectIndex } from './augment';
import { DataError } from './data-error';

const img3 = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
// numpy.pad([[1,2,3],[4,5,6],[7,8,9]], 2, mode='reflect'), written out by hand.
const padded = [
  [9, 8, 7, 8, 9, 8, 7],
  [6, 5, 4, 5, 6, 5, 4],
  [3, 2, 1, 2, 3, 2, 1],
  [6, 5, 4, 5, 6, 5, 4],
  [9, 8, 7, 8, 9, 8, 7],
  [6, 5, 4, 5, 6, 5, 4],
  [3, 2, 1, 2, 3, 2, 1],
];

const aug = (
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  index: number,
  extra: Partial<{ seed: number; epoch: number; pad: number; flip: boolean }> = {},
): Uint8Array => {
  const out = new Uint8Array(h * w * c);
  augmentImage(src, h, w, c, { seed: 1, epoch: 0, pad: 2, flip: true, index, ...extra }, out);
  return out;
};

test('reflectIndex is numpy/PyTorch reflect (edge not repeated)', () => {
  assert.deepEqual(
    [-2, -1, 0, 1, 2, 3, 4].map((i) => reflectIndex(i, 3)),
    [2, 1, 0, 1, 2, 1, 0],
  );
  assert.deepEqual(
    [-4, 31, 32, 35].map((i) => reflectIndex(i, 32)),
    [4, 31, 30, 27],
  );
  assert.equal(reflectIndex(-3, 1), 0);
});

test('3×3 reflect-pad 2: every output is a crop (maybe flipped) of the hand-padded image, and all occur', () => {
  const variants = new Set<string>();
  for (let top = 0; top <= 4; top++) {
    for (let left = 0; left <= 4; left++) {
      const crop = [0, 1, 2].flatMap((y) => [0, 1, 2].map((x) => padded[top + y][left + x]));
      variants.add(crop.join(','));
      variants.add([0, 1, 2].flatMap((y) => [2, 1, 0].map((x) => crop[y * 3 + x])).join(','));
    }
  }
  const seen = new Set<string>();
  for (let index = 0; index < 2000; index++) {
    const key = Array.from(aug(img3, 3, 3, 1, index)).join(',');
    assert.ok(variants.has(key), `index ${index} gave ${key}, not a reflect-padded crop`);
    seen.add(key);
  }
  assert.deepEqual(
    [...seen].sort(),
    [...variants].sort(),
    'every crop offset and flip is reachable',
  );
});

test('pure function of (seed, epoch, index)', () => {
  const src = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) & 0xff);
  const first = aug(src, 8, 8, 3, 5, { pad: 4 });
  for (let i = 0; i < 20; i++) aug(src, 8, 8, 3, i, { pad: 4 }); // other calls in between
  assert.deepEqual(aug(src, 8, 8, 3, 5, { pad: 4 }), first);
  const differs = (f: (i: number) => Uint8Array): boolean =>
    [6, 7, 8, 9, 10].some((i) => !Buffer.from(f(i)).equals(Buffer.from(first)));
  assert.ok(
    differs((i) => aug(src, 8, 8, 3, i, { pad: 4 })),
    'another index can differ',
  );
  assert.ok(
    [1, 2, 3, 4, 5].some(
      (e) => !Buffer.from(aug(src, 8, 8, 3, 5, { pad: 4, epoch: e })).equals(Buffer.from(first)),
    ),
    'another epoch can differ',
  );
});

test('flip only: identity or mirror, both occur; channels move together', () => {
  const src = Uint8Array.from({ length: 2 * 3 * 2 }, (_, i) => i); // h=2, w=3, c=2
  const mirror = Uint8Array.of(4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7);
  const kinds = new Set<string>();
  for (let index = 0; index < 50; index++) {
    const out = aug(src, 2, 3, 2, index, { pad: 0 });
    if (Buffer.from(out).equals(Buffer.from(src))) kinds.add('same');
    else if (Buffer.from(out).equals(Buffer.from(mirror))) kinds.add('mirror');
    else assert.fail(`index ${index}: ${Array.from(out)}`);
    assert.deepEqual(
      aug(src, 2, 3, 2, index, { pad: 0, flip: false }),
      src,
      'flip off → unchanged',
    );
  }
  assert.deepEqual([...kinds].sort(), ['mirror', 'same']);
});

test('pad must be smaller than the image', () => {
  assert.throws(() => aug(img3, 3, 3, 1, 0, { pad: 3 }), DataError);
  assert.throws(
    () =>
      augmentImage(
        img3,
        4,
        4,
        1,
        { seed: 1, epoch: 0, index: 0, pad: 1, flip: false },
        new Uint8Array(16),
      ),
    /source has 9 bytes/,
  );
});
