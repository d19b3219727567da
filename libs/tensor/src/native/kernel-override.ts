// Replaces a wasm kernel with a native one, keeping the previous kernel as the fallback for the
// cases the native one does not cover (other layouts, dtypes, broadcasts).
import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

/** Returns the output, or undefined to hand the call to the fallback kernel. */
export type NativeKernel = (args: KernelArgs) => TensorInfo | undefined;

/** A named kernel input, which the engine guarantees; typed non-optional here. */
export function input(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`abd native: missing kernel input '${name}'`);
  return t;
}

const ours = new WeakSet<KernelFunc>();
// The kernel each override hands unsupported cases to, by kernel name.
const fallbacks = new Map<string, KernelFunc>();

/** Registers `impl` for `kernelName` on wasm in place of whatever is registered now. */
export function overrideWasmKernel(kernelName: string, impl: NativeKernel): void {
  const previous = tf.getKernel(kernelName, 'wasm');
  // A second registration must not take our own kernel as its fallback.
  const fallback =
    previous && !ours.has(previous.kernelFunc) ? previous.kernelFunc : fallbacks.get(kernelName);
  if (fallback) fallbacks.set(kernelName, fallback);
  const kernelFunc: KernelFunc = (params) => {
    const args = params as unknown as KernelArgs;
    const out = impl({ ...args, attrs: args.attrs ?? {} });
    if (out !== undefined) return out;
    if (!fallback)
      throw new Error(`abd native: ${kernelName} case not supported and no wasm fallback`);
    return fallback(params);
  };
  ours.add(kernelFunc);
  if (previous) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}
