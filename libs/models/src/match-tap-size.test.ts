import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { matchTapSize } from './index';

before(async () => {
  await tf.setBackend('cpu');
});

test('matchTapSize resizes like tfjs resizeBilinear with half-pixel centres, up and down, and passes equal sizes through', () => {
  const r = tf.randomNormal([2, 5, 3, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
  for (const [h, w] of [
    [10, 6],
    [3, 2],
    [7, 3],
    [2, 7],
  ] as const) {
    const [ours, ref] = tf.tidy(() => [
      matchTapSize(r, [2, h, w, 4]).dataSync(),
      tf.image.resizeBilinear(r, [h, w], false, true).dataSync(),
    ]);
    assert.equal(ours.length, 2 * h * w * 4);
    let d = 0;
    for (let i = 0; i < ours.length; i++) d = Math.max(d, Math.abs(ours[i] - ref[i]));
    assert.ok(d < 1e-5, `${h}×${w}: max diff ${d}`);
  }
  assert.equal(matchTapSize(r, [2, 5, 3, 9]), r);
  r.dispose();
});

test('matchTapSize has the gradient of its forward (central differences)', () => {
  const x = tf.randomNormal([1, 3, 4, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
  const wts = tf.randomNormal([1, 5, 2, 2], 0, 1, 'float32', 6);
  const f = (t: tf.Tensor) =>
    tf.sum(tf.mul(matchTapSize(t as tf.Tensor4D, [1, 5, 2, 2]), wts)) as tf.Scalar;
  const g = tf.grad(f)(x).dataSync();
  const v = x.dataSync();
  const eps = 1e-2;
  for (let i = 0; i < v.length; i++) {
    const at = (d: number) =>
      tf.tidy(
        () =>
          f(
            tf.tensor4d(
              v.map((e, j) => (j === i ? e + d : e)),
              x.shape,
            ),
          ).dataSync()[0],
      );
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    assert.ok(Math.abs(fd - g[i]) < 1e-3, `element ${i}: analytic ${g[i]}, numeric ${fd}`);
  }
  tf.dispose([x, wts]);
});
