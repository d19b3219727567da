// Test helpers: the wasm backend with native kernels, and the cpu backend as the reference.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import assert from 'node:assert/strict';
import { registerNativeKernels, type NativeStatus } from './index';
import { loadAddon } from './load-addon';

/** Set as a test's `skip` option: a message when the addon is not built. */
export const skipWithoutAddon: string | false = loadAddon().addon
  ? false
  : `skipped: ${loadAddon().reason ?? 'native addon unavailable'}`;
if (skipWithoutAddon) console.log(`# abd native: ${skipWithoutAddon}`);

let status: NativeStatus | undefined;

/** Sets the wasm backend and registers the native kernels once. */
export async function useNativeWasm(): Promise<NativeStatus> {
  await tf.setBackend('wasm');
  await tf.ready();
  status ??= registerNativeKernels();
  return status;
}

/** Runs `fn` on cpu, then on wasm (native kernels), returning both results as flat arrays. */
export async function onCpuAndWasm(
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const data = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(list);
    return data;
  };
  const cpu = await run('cpu');
  await useNativeWasm();
  const wasm = await run('wasm');
  return [cpu, wasm];
}

/** Asserts element-wise closeness relative to the reference's scale. */
export function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  tol = 1e-4,
  what = '',
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs((actual[i] as number) - (expected[i] as number));
    assert.ok(
      err <= tol * scale,
      `${what}: element ${i}: ${actual[i]} vs ${expected[i]} (scale ${scale})`,
    );
  }
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seeded(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return tf.tensor(v, shape);
}
