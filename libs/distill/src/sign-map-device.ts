import * as tf from '@tensorflow/tfjs-core';
import { SignMapError } from './errors';
import { signMapBytes, signMapBytesPerImage, SignMapShape } from './sign-map';
import { signOf } from './sign-of';

/*
 * The packed sign map (packSigns' layout: NHWC, least significant bit first, each image on a
 * byte boundary) made and read on the device, so a teacher's ρ crosses the host as 1 bit per
 * neuron (read back as int32 bytes, ½ byte per neuron) instead of a 4-byte float per neuron.
 */

const BIT_WEIGHTS = [1, 2, 4, 8, 16, 32, 64, 128];

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
  const bytes = tf.tidy(() => {
    const on = tf.reshape(tf.cast(signOf(preact), 'int32'), [n, per]);
    // Padding bits are 0, as packSigns leaves them.
    const padded = stride * 8 > per ? tf.pad(on, [[0, 0], [0, stride * 8 - per]]) : on;
    const weights = tf.tensor1d(BIT_WEIGHTS, 'int32');
    return tf.sum(tf.mul(tf.reshape(padded, [n, stride, 8]), weights), 2);
  });
  const v = bytes.dataSync();
  bytes.dispose();
  return Uint8Array.from(v);
}

// A byte's 8 bits as 0/1 floats, LSB first: unpacking is then one gather from this table.
let table: tf.Tensor2D | undefined;
function bitTable(): tf.Tensor2D {
  if (!table || table.isDisposed) {
    const t = new Float32Array(256 * 8);
    for (let b = 0; b < 256; b++) for (let j = 0; j < 8; j++) t[b * 8 + j] = (b >> j) & 1;
    table = tf.keep(tf.tensor2d(t, [256, 8]));
  }
  return table;
}

/**
 * The 0/1 float32 sign map [n, h, w, c] of packed bits, unpacked on the device (bitwise
 * `tf.tensor(unpackSigns(bits, shape), shape)`): the bytes go up, not a float per neuron.
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
  if (n === 0) return tf.zeros([0, h, w, c]) as tf.Tensor4D;
  const lut = bitTable();
  return tf.tidy(() => {
    const idx = tf.tensor1d(Int32Array.from(bits), 'int32');
    const all = tf.reshape(tf.gather(lut, idx), [n, stride * 8]);
    const cut = stride * 8 > per ? tf.slice(all, [0, 0], [n, per]) : all;
    return tf.reshape(cut, [n, h, w, c]) as tf.Tensor4D;
  });
}
