import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { packSigns, unpackSigns } from './sign-map';
import { packSignsOnDevice, signMapTensor } from './sign-map-device';

before(async () => {
  await tf.setBackend('cpu');
});

// Boundary values (0, −0, NaN, ±∞, subnormals) among seeded values; shapes with and without padding bits.
function values(len: number, seed: number): Float32Array {
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 5e-45];
  const v = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = i % 7 === 3 ? special[(s >> 8) % special.length] : s / 2147483648 - 0.5;
  }
  return v;
}

describe('sign maps on the device', () => {
  for (const shape of [
    [2, 3, 3, 5],
    [3, 2, 2, 8],
    [1, 1, 1, 10],
  ] as [number, number, number, number][]) {
    it(`packSignsOnDevice and signMapTensor equal packSigns / unpackSigns, shape [${shape}]`, () => {
      const v = values(
        shape.reduce((a, b) => a * b, 1),
        shape[3],
      );
      const x = tf.tensor4d(v, shape);
      const bits = packSignsOnDevice(x);
      assert.deepEqual(Array.from(bits), Array.from(packSigns(v, shape)));
      const back = signMapTensor(bits, shape);
      assert.deepEqual(back.shape, shape);
      assert.equal(back.dtype, 'float32');
      assert.deepEqual(Array.from(back.dataSync()), Array.from(unpackSigns(bits, shape)));
      tf.dispose([x, back]);
    });
  }

  it('10 values by hand: bits 0, 4, 7 and 9 set', () => {
    const x = tf.tensor4d(
      [2, 0, -0, -3, 1e-30, -1e-30, NaN, Infinity, -Infinity, 5e-45],
      [1, 1, 1, 10],
    );
    assert.deepEqual(Array.from(packSignsOnDevice(x)), [0b10010001, 0b00000010]);
    x.dispose();
  });

  it('signMapTensor refuses bits of the wrong length', () => {
    assert.throws(() => signMapTensor(new Uint8Array(3), [1, 2, 2, 8]), /has 4 bytes, got 3/);
  });
});
