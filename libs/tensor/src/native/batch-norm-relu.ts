// Batch norm on the native addon, optionally fused with ReLU: training mode (statistics over all but
// the last axis, with its gradient) and inference (running statistics; also serves tf.batchNorm).
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './load-addon';
import { input, overrideWasmKernel } from './kernel-override';
import { heapOf, offsetOf } from './wasm-heap';

export const BATCH_NORM_RELU = 'AbdBatchNormRelu';
export const BATCH_NORM_RELU_GRAD = 'AbdBatchNormReluGrad';
export const BATCH_NORM_INFERENCE = 'AbdBatchNormInference';

export interface BatchNormReluResult {
  /** max(0, (x - mean) / sqrt(var + epsilon) * gamma + beta), same shape as x. */
  y: tf.Tensor;
  /** Batch mean per channel (shape [C]), for running statistics. */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel (shape [C]), for running statistics. */
  variance: tf.Tensor1D;
}

let registered = false;

export function registerBatchNormReluKernels(addon: NativeAddon): string[] {
  const fwd = (p: {
    inputs: NamedTensorInfoMap;
    backend: unknown;
    attrs?: tf.NamedAttrMap;
  }): TensorInfo[] => {
    const b = p.backend as BackendWasm;
    const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((n) => input(p.inputs, n)) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const c = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / c;
    const y = b.makeOutput(x.shape, 'float32');
    const mean = b.makeOutput([c], 'float32');
    const invStd = b.makeOutput([c], 'float32');
    addon.batchNormReluForward(
      heapOf(b),
      offsetOf(b, x),
      offsetOf(b, gamma),
      offsetOf(b, beta),
      offsetOf(b, y),
      offsetOf(b, mean),
      offsetOf(b, invStd),
      rows,
      c,
      Number(p.attrs?.epsilon ?? 1e-5),
      p.attrs?.relu !== false,
    );
    return [y, mean, invStd];
  };
  const bwd = (p: {
    inputs: NamedTensorInfoMap;
    backend: unknown;
    attrs?: tf.NamedAttrMap;
  }): TensorInfo[] => {
    const b = p.backend as BackendWasm;
    const [x, y, dy, gamma, mean, invStd] = ['x', 'y', 'dy', 'gamma', 'mean', 'invStd'].map((n) =>
      input(p.inputs, n),
    ) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
    const c = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / c;
    const dx = b.makeOutput(x.shape, 'float32');
    const dGamma = b.makeOutput([c], 'float32');
    const dBeta = b.makeOutput([c], 'float32');
    addon.batchNormReluBackward(
      heapOf(b),
      offsetOf(b, x),
      offsetOf(b, y),
      offsetOf(b, dy),
      offsetOf(b, gamma),
      offsetOf(b, mean),
      offsetOf(b, invStd),
      offsetOf(b, dx),
      offsetOf(b, dGamma),
      offsetOf(b, dBeta),
      rows,
      c,
      p.attrs?.relu !== false,
    );
    return [dx, dGamma, dBeta];
  };
  const inference = (p: {
    inputs: NamedTensorInfoMap;
    backend: unknown;
    attrs?: tf.NamedAttrMap;
  }): TensorInfo => {
    const b = p.backend as BackendWasm;
    const [x, mean, variance, gamma, beta] = ['x', 'mean', 'variance', 'gamma', 'beta'].map((n) =>
      input(p.inputs, n),
    );
    const c = x!.shape[x!.shape.length - 1]!;
    const y = b.makeOutput(x!.shape, 'float32');
    addon.batchNormInference(
      heapOf(b),
      offsetOf(b, x!),
      offsetOf(b, mean!),
      offsetOf(b, variance!),
      offsetOf(b, gamma!),
      offsetOf(b, beta!),
      offsetOf(b, y),
      tf.util.sizeFromShape(x!.shape) / c,
      c,
      Number(p.attrs?.epsilon ?? 1e-5),
      p.attrs?.relu === true,
    );
    return y;
  };
  for (const [kernelName, kernelFunc] of [
    [BATCH_NORM_RELU, fwd],
    [BATCH_NORM_RELU_GRAD, bwd],
    [BATCH_NORM_INFERENCE, inference],
  ] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
  }
  // tf.batchNorm: the native kernel when all four per-channel tensors are given as [C] float32;
  // other cases (broadcast shapes, no scale/offset) go to the wasm kernel.
  overrideWasmKernel(tf.FusedBatchNorm, ({ inputs, backend, attrs }) => {
    const { x, mean, variance, scale, offset } = inputs;
    if (!x || !mean || !variance || !scale || !offset || x.dtype !== 'float32') return undefined;
    const c = x.shape[x.shape.length - 1];
    if (
      [mean, variance, scale, offset].some(
        (t) => t.shape.length !== 1 || t.shape[0] !== c || t.dtype !== 'float32',
      )
    )
      return undefined;
    return inference({
      inputs: { x, mean, variance, gamma: scale, beta: offset },
      backend,
      attrs: { epsilon: Number(attrs.varianceEpsilon ?? 1e-3), relu: false },
    });
  });
  registered = true;
  return [BATCH_NORM_RELU, BATCH_NORM_RELU_GRAD, BATCH_NORM_INFERENCE, tf.FusedBatchNorm];
}

/** Whether nativeBatchNormRelu can run now (addon loaded and the wasm backend active). */
export function hasNativeBatchNormRelu(): boolean {
  return registered && tf.getBackend() === 'wasm';
}

/**
 * Training-mode batch norm fused with ReLU, differentiable w.r.t. x, gamma and beta. x is channels-last
 * (any rank, C = last dim, float32); statistics are over all other axes. Needs the native addon on the
 * wasm backend (check hasNativeBatchNormRelu()).
 */
export function nativeBatchNormRelu(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon = 1e-5,
): BatchNormReluResult {
  return nativeBatchNorm(x, gamma, beta, epsilon, true);
}

/**
 * Inference batch norm with running statistics, fused with ReLU when `relu`: one pass, no
 * gradient. Returns null when it cannot serve the call (no addon on wasm, or a gradient tape is
 * recording): the caller then uses tf ops.
 */
export function nativeBatchNormInference(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  relu: boolean,
): tf.Tensor | null {
  if (!hasNativeBatchNormRelu() || isRecordingGradients()) return null;
  return tf
    .engine()
    .runKernel(
      BATCH_NORM_INFERENCE,
      { x, mean, variance, gamma, beta },
      { epsilon, relu },
    ) as tf.Tensor;
}

/** Whether a gradient tape (tf.grad, variableGrads, customGrad's forward) is recording now. */
function isRecordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/**
 * Training-mode batch norm, fused with ReLU when `relu`, differentiable w.r.t. x, gamma and beta.
 * x is channels-last (any rank, C = last dim, float32); statistics are over all other axes. Needs
 * the native addon on the wasm backend (check hasNativeBatchNormRelu()).
 */
export function nativeBatchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  relu: boolean,
): BatchNormReluResult {
  if (!hasNativeBatchNormRelu())
    throw new Error('nativeBatchNorm: native addon not registered on wasm');
  const c = x.shape[x.shape.length - 1];
  tf.util.assert(
    gamma.size === c && beta.size === c,
    () =>
      `nativeBatchNorm: gamma/beta must have ${c} elements, got ${gamma.shape} and ${beta.shape}`,
  );
  const engine = tf.engine();
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, bt, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, invStd] = engine.runKernel(
      BATCH_NORM_RELU,
      { x: xi, gamma: g, beta: bt },
      { epsilon, relu },
    ) as unknown as tf.Tensor[];
    save([xi, y, g, mean, invStd]);
    // The forward runs in a tidy: keep the statistics, re-owned below in the caller's scope.
    stats = [tf.keep(tf.clone(mean)), tf.keep(tf.sub(tf.div(1, tf.square(invStd)), epsilon))];
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy, sg, sm, si] = saved;
      return engine.runKernel(
        BATCH_NORM_RELU_GRAD,
        { x: sx, y: sy, dy, gamma: sg, mean: sm, invStd: si },
        { relu },
      ) as unknown as tf.Tensor[];
    };
    return { value: y, gradFunc };
  });
  const y = op(x, gamma, beta);
  const [mean, variance] = stats.map((t) => {
    const owned = tf.clone(t);
    t.dispose();
    return owned as tf.Tensor1D;
  }) as [tf.Tensor1D, tf.Tensor1D];
  return { y, mean, variance };
}
