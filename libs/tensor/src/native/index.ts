// Native (N-API, oneDNN) kernels served on the wasm backend's heap in place.
import * as tf from '@tensorflow/tfjs-core';
import { registerBatchNormReluKernels } from './batch-norm-relu';
import { registerCompareKernels } from './compare-kernel';
import { registerConvKernels } from './conv-kernels';
import { loadAddon } from './load-addon';
import { registerMatMulKernel } from './matmul-kernel';

export interface NativeStatus {
  loaded: boolean;
  reason?: string;
  threads?: number;
  library?: string;
  kernels: string[];
}

/**
 * Registers the native kernels on the wasm backend (replacing the ones registered before, which stay
 * as fallbacks for unsupported cases). Call after the wasm backend is set. Never throws: a missing or
 * broken addon gives {loaded: false, reason}. ABD_NATIVE=0 disables, ABD_NATIVE_THREADS sets threads.
 */
export function registerNativeKernels(): NativeStatus {
  const { addon, reason } = loadAddon();
  if (!addon) return { loaded: false, reason, kernels: [] };
  try {
    // The threaded wasm build keeps its heap in a SharedArrayBuffer, which N-API cannot hand over.
    const wasm = tf.findBackend('wasm') as unknown as
      { wasm?: { HEAPU8?: Uint8Array } } | undefined;
    const heap = wasm?.wasm?.HEAPU8?.buffer;
    if (heap !== undefined && !(heap instanceof ArrayBuffer)) {
      return {
        loaded: false,
        reason: 'the wasm heap is a SharedArrayBuffer (threaded wasm build)',
        kernels: [],
      };
    }
    const info = addon.info();
    const kernels = [
      ...registerConvKernels(addon),
      ...registerMatMulKernel(addon),
      ...registerBatchNormReluKernels(addon),
      ...registerCompareKernels(addon),
    ];
    return { loaded: true, threads: info.threads, library: info.library, kernels };
  } catch (e) {
    return {
      loaded: false,
      reason: `native kernels failed to register: ${(e as Error).message}`,
      kernels: [],
    };
  }
}

export {
  nativeBatchNorm,
  nativeBatchNormInference,
  nativeBatchNormRelu,
  hasNativeBatchNormRelu,
} from './batch-norm-relu';
export type { BatchNormReluResult } from './batch-norm-relu';
