// Test helpers: a stored student's weights as one flat array, and the bit-for-bit comparison
// the resume and remote-vs-in-process tests make.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { openStore } from '@abd/artifacts';
import { getStudentCheckpoint } from '../checkpoints';

/** The trained parameters of the student checkpoint at `key` in the store at `storeDir`, concatenated. */
export async function storedWeights(storeDir: string, key: string): Promise<Float32Array> {
  const ck = await getStudentCheckpoint(openStore(storeDir), key);
  const flat = tf.tidy(
    () =>
      tf
        .concat([...ck.model.params.values()].map((v) => tf.reshape(v, [-1])))
        .dataSync() as Float32Array,
  );
  ck.model.dispose();
  for (const t of ck.extra.values()) t.dispose();
  return flat;
}

/** Asserts two weight arrays are equal bit for bit (reporting the largest difference when not). */
export function assertSameWeights(a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length);
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.equal(maxDiff, 0, `weights differ by up to ${maxDiff}`);
}
