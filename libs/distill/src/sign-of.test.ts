import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { packSigns, unpackSigns } from './sign-map';
import { isOn, signOf, signsOfValues } from './sign-of';

before(async () => {
  await tf.setBackend('cpu');
});

// Boundary values and ρ of each, by hand: only strictly positive numbers are on.
const xs = [2, 0, -0, -3, 1e-30, -1e-30, NaN, Infinity, -Infinity, 5e-45];
const rho = [1, 0, 0, 0, 1, 0, 0, 1, 0, 1];

describe('ρ', () => {
  it('isOn: x > 0 only (0, −0 and NaN are off)', () => {
    assert.deepEqual(
      xs.map((x) => (isOn(x) ? 1 : 0)),
      rho,
    );
    assert.equal(isOn(-0), false);
    assert.ok(Object.is(-0, xs[2]));
  });

  it('signOf on the device: float32 0/1 of the same shape, for float32, int32 and bool input', () => {
    const s = tf.tidy(() => signOf(tf.tensor1d(xs)));
    assert.equal(s.dtype, 'float32');
    assert.deepEqual(Array.from(s.dataSync()), rho);
    const m = tf.tidy(() =>
      signOf(
        tf.tensor2d(
          [
            [3, 0],
            [-1, 7],
          ],
          [2, 2],
          'int32',
        ),
      ),
    );
    assert.deepEqual(m.shape, [2, 2]);
    assert.equal(m.dtype, 'float32');
    assert.deepEqual(Array.from(m.dataSync()), [1, 0, 0, 1]);
    const b = tf.tidy(() => signOf(tf.tensor1d([true, false], 'bool')));
    assert.deepEqual(Array.from(b.dataSync()), [1, 0]);
    tf.dispose([s, m, b]);
  });

  it('signsOfValues on the host equals signOf, and packSigns packs the same bits', () => {
    assert.deepEqual(Array.from(signsOfValues(xs)), rho);
    assert.deepEqual(Array.from(signsOfValues(new Float32Array(xs))), rho);
    // 10 values as one image [1, 1, 1, 10]: bits 0, 4, 7 and 9 set → 0b10010001, 0b00000010.
    const bits = packSigns(xs, [1, 1, 1, 10]);
    assert.deepEqual(Array.from(bits), [0b10010001, 0b00000010]);
    assert.deepEqual(Array.from(unpackSigns(bits, [1, 1, 1, 10])), rho);
  });
});
