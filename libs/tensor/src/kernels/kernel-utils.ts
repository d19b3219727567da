import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend as our kernels see it: a KernelBackend that can free data by id. */
export type WasmBackendLike = tf.KernelBackend;

/** Inputs of a kernel call, by the kernel's input names. */
export type KernelInputs = Record<string, tf.TensorInfo>;

/** Thrown when a kernel is called with inputs it cannot handle (says which and why). */
export class KernelInputError extends Error {
  constructor(kernel: string, detail: string) {
    super(`${kernel}: ${detail}`);
    this.name = 'KernelInputError';
  }
}

/**
 * Runs a kernel of the wasm registry directly on the backend (no engine, no tape, no
 * tensor bookkeeping): the result is a TensorInfo the caller must free with `release`
 * unless it is returned from the calling kernel.
 */
export function callKernel(
  name: string,
  backend: WasmBackendLike,
  inputs: KernelInputs,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (config == null) throw new KernelInputError(name, `kernel not registered for backend 'wasm'`);
  return callConfig(config, backend, inputs, attrs);
}

/** Runs a given kernel config (e.g. the stock kernel we replaced) on the backend. */
export function callConfig(
  config: tf.KernelConfig,
  backend: WasmBackendLike,
  inputs: KernelInputs,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) {
    throw new KernelInputError(config.kernelName, 'expected a single output, got several');
  }
  return out;
}

/**
 * A reshaped view sharing the data of `t` (row-major data is unchanged by a reshape).
 * A view adds no reference: release either the view or the tensor it views, once.
 */
export function view(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  const have = t.shape.reduce((a, b) => a * b, 1);
  if (size !== have) {
    throw new KernelInputError('view', `cannot view shape [${t.shape}] as [${shape}]`);
  }
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Frees intermediates made by `callKernel` (null entries are skipped). */
export function release(backend: WasmBackendLike, ...infos: Array<tf.TensorInfo | null>): void {
  for (const t of infos) if (t != null) backend.disposeData(t.dataId);
}

/** Transposes `x` by `perm` on the wasm backend. */
export function transpose(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  perm: number[],
): tf.TensorInfo {
  return callKernel(tf.Transpose, backend, { x }, { perm });
}

/**
 * Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC
 * tensor in one pass at most each. Returns `x` itself when nothing changes, so callers
 * must compare before releasing.
 */
export function padOrCrop2d(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  let cur = x;
  const cropT = Math.max(0, -top);
  const cropB = Math.max(0, -bottom);
  const cropL = Math.max(0, -left);
  const cropR = Math.max(0, -right);
  if (cropT + cropB + cropL + cropR > 0) {
    cur = callKernel(
      tf.Slice,
      backend,
      { x: cur },
      {
        begin: [0, cropT, cropL, 0],
        size: [n, h - cropT - cropB, w - cropL - cropR, c],
      },
    );
  }
  const padT = Math.max(0, top);
  const padB = Math.max(0, bottom);
  const padL = Math.max(0, left);
  const padR = Math.max(0, right);
  if (padT + padB + padL + padR > 0) {
    const padded = callKernel(
      tf.PadV2,
      backend,
      { x: cur },
      {
        paddings: [
          [0, 0],
          [padT, padB],
          [padL, padR],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    if (cur !== x) release(backend, cur);
    cur = padded;
  }
  return cur;
}

/**
 * Inserts `sh - 1` zero rows after every row and `sw - 1` zero columns after every column
 * of an NHWC tensor: [n,h,w,c] → [n,h·sh,w·sw,c] (the trailing zeros included).
 * Done as one PadV2 of a rank-6 view, so it is a single copy.
 */
export function dilate2d(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  sh: number,
  sw: number,
): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const v = view(x, [n, h, 1, w, 1, c]);
  const padded = callKernel(
    tf.PadV2,
    backend,
    { x: v },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return view(padded, [n, h * sh, w * sw, c]);
}

/** Stride or dilation attribute as a pair. */
export function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}
