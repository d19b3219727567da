import * as tf from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-mat-mul';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { identityConfig } from './identity';
import { tileConfig } from './tile';

/** The stock wasm kernels we replace, captured once before the first replacement. */
const stock = new Map<string, tf.KernelConfig | undefined>();

function stockOf(name: string): tf.KernelConfig | undefined {
  if (!stock.has(name)) stock.set(name, tf.getKernel(name, 'wasm'));
  return stock.get(name);
}

/** Registers (or replaces) a kernel without tfjs's duplicate-registration warning. */
export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) != null) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
  // A kernel registered after the backend was set up misses the engine's setup pass.
  const backend = tf.findBackend(config.backendName);
  if (backend != null && config.setupFunc != null) config.setupFunc(backend);
}

/**
 * Registers our training kernels on the 'wasm' backend and returns their names:
 * Conv2DBackpropFilter (missing in tfjs-backend-wasm 4.22), fast paths for
 * Conv2DBackpropInput and transposed BatchMatMul (each falls back to the stock kernel), and an
 * Identity that shares its input's buffer instead of copying it, and a Tile by block copies.
 * Idempotent. Call it after the wasm backend has been created (tf.setBackend('wasm')).
 */
export function registerWasmTrainingKernels(): string[] {
  const configs = [
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig(stockOf(tf.Conv2DBackpropInput)),
    batchMatMulConfig(stockOf(tf.BatchMatMul)),
    identityConfig(stockOf(tf.Identity)),
    tileConfig(stockOf(tf.Tile)),
  ];
  for (const c of configs) replaceKernel(c);
  return configs.map((c) => c.kernelName);
}

/** The stock wasm kernel we replaced for `name` (for benchmarks and tests), if any. */
export function stockWasmKernel(name: string): tf.KernelConfig | undefined {
  return stock.has(name) ? stock.get(name) : tf.getKernel(name, 'wasm');
}
