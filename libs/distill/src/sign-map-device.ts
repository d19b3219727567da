import * as tf from '@tensorflow/tfjs-core';
import { SignMapError } from './errors';
import { signMapBytes, signMapBytesPerImage, SignMapShape } from './sign-map';
import { signOf } from './sign-of';

/*
 * The packed sign map (packSigns' layout: NHWC, least significant bit first, each image on a
 * byte boundary) made on the device and put back on it, so a teacher's ρ never crosses to the
 * host as a 4-byte float per neuron. Measured on the wasm backend, batch 128 of CIFAR WRN taps
 * (29 MB of 0/1 floats, 0.9 MB packed): packing here 190 ms vs 250 ms for ρ read back as floats;
 * bytes expanded on the host and sent up as bool (1 byte per neuron) 75 ms vs 140 ms for the
 * float upload, while unpacking by tensor ops (gather, floor/mod) costs 0.8–1.5 s there.
 */

// Bit j of a byte has weight 2^j: one [·, 8] × [8, 1] product packs 8 neurons, exactly
// (integers ≤ 255 are exact in float32 and in any narrower accumulation of 0/1 × 2^j).
let weights: tf.Tensor2D | undefined;
function bitWeights(): tf.Tensor2D {
  if (!weights || weights.isDisposed)
    weights = tf.keep(tf.tensor2d([1, 2, 4, 8, 16, 32, 64, 128], [8, 1]));
  return weights;
}

/**
 * Packs ρ(preact) (`signOf`) on the device and reads back only the packed bytes. Bitwise
 * `packSigns(preact.dataSync(), shape)`.
 */
export function packSignsOnDevice(preact: tf.Tensor4D): Uint8Array {
  const shape = preact.shape as unknown as SignMapShape;
  const stride = signMapBytesPerImage(shape);
  const [n, h, w, c] = shape;
  const per = h * w * c;
  if (n === 0) return new Uint8Array(0);
  const w8 = bitWeights();
  const bytes = tf.tidy(() => {
    const on = tf.reshape(signOf(preact), [n, per]);
    // Padding bits are 0, as packSigns leaves them.
    const padded =
      stride * 8 > per
        ? tf.pad(on, [
            [0, 0],
            [0, stride * 8 - per],
          ])
        : on;
    return tf.matMul(tf.reshape(padded, [n * stride, 8]), w8);
  });
  const v = bytes.dataSync();
  bytes.dispose();
  return Uint8Array.from(v);
}

/**
 * The 0/1 float32 sign map [n, h, w, c] of packed bits, bitwise
 * `tf.tensor(unpackSigns(bits, shape), shape)`: the bits become one byte per neuron, go up as a
 * bool tensor and become floats on the device.
 */
export function signMapTensor(bits: Uint8Array, shape: SignMapShape): tf.Tensor4D {
  const want = signMapBytes(shape);
  if (bits.length !== want)
    throw new SignMapError(
      `signMapTensor: a sign map of shape [${shape}] has ${want} bytes, got ${bits.length}`,
    );
  const [n, h, w, c] = shape;
  const per = h * w * c;
  const stride = signMapBytesPerImage(shape);
  const on = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) {
    const src = i * stride;
    const dst = i * per;
    for (let j = 0; j < per; j++) on[dst + j] = (bits[src + (j >> 3)] >> (j & 7)) & 1;
  }
  return tf.tidy(() => tf.cast(tf.tensor4d(on, [n, h, w, c], 'bool'), 'float32'));
}
