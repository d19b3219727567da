// Test helpers: run a kernel on wasm and its reference on the cpu backend, compare.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '../backend';
import type { BackendInfo } from '../backend';

/** Initialises wasm (with our kernels) and makes sure the cpu backend is available too. */
export async function setupWasmAndCpu(): Promise<BackendInfo> {
  const info = await initBackend({ backend: 'wasm' });
  assert.equal(info.backend, 'wasm');
  return info;
}

/** Deterministic pseudo-random values in [-1, 1) (a small LCG, so cases repeat). */
export function values(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `fn` on the cpu backend with the given arrays as tensors; returns plain data. */
export async function onCpu(
  arrays: Array<{ data: Float32Array; shape: number[] }>,
  fn: (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Array<{ data: Float32Array; shape: number[] }>> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const out = fn(...arrays.map((a) => tf.tensor(a.data, a.shape)));
      return (Array.isArray(out) ? out : [out]).map((t) => ({
        data: t.dataSync() as Float32Array,
        shape: t.shape,
      }));
    });
  } finally {
    await tf.setBackend(prev);
  }
}

/** Runs a kernel config directly on the current backend; the result is an engine tensor. */
export function runConfig(
  config: tf.KernelConfig,
  inputs: Record<string, tf.Tensor>,
  attrs: object,
): tf.Tensor {
  const out = config.kernelFunc({
    inputs,
    attrs: attrs as tf.NamedAttrMap,
    backend: tf.backend(),
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** Elementwise |a − e| ≤ rtol·max|e| + atol, with a message naming the case and index. */
export function assertClose(
  actual: { data: ArrayLike<number>; shape: number[] },
  expected: { data: ArrayLike<number>; shape: number[] },
  what: string,
  rtol = 1e-4,
  atol = 1e-6,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let scale = 0;
  for (let i = 0; i < expected.data.length; i++)
    scale = Math.max(scale, Math.abs(expected.data[i]));
  const tol = rtol * scale + atol;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= tol)) {
      assert.fail(
        `${what}: element ${i} is ${actual.data[i]}, expected ${expected.data[i]} (|diff| ${d} > tol ${tol})`,
      );
    }
  }
}

/** Live tensors and backend buffers now (to check a call leaves nothing behind). */
export function liveCounts(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() };
}
