import * as tf from '@tensorflow/tfjs-core';
import {
  callKernel,
  KernelInputError,
  pair,
  padOrCrop2d,
  release,
  transpose,
  view,
} from './kernel-utils';
import type { WasmBackendLike } from './kernel-utils';

/**
 * Conv2DBackpropFilter for the wasm backend (absent from tfjs-backend-wasm 4.22).
 *
 * dW[i,j,c,o] = Σ_{n,a,b} xpad[n, a·s+i, b·s+j, c] · dy[n,a,b,o]
 *
 * is a FORWARD convolution whose batch is the reduction axis: input x as [ci,H,W,n]
 * (batch ci, channels n), filter dy as [oh,ow,n,co], dilation = the forward stride,
 * stride 1, the forward padding made explicit (bottom/right chosen so the output is
 * exactly kh×kw; cropped instead when negative). The result [ci,kh,kw,co] is transposed
 * to [kh,kw,ci,co]. This runs at XNNPACK's forward speed.
 */
export function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackendLike;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `dataFormat '${dataFormat}' not supported, use 'NHWC'`,
    );
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `x [${x.shape}] and dy [${dy.shape}] must be rank 4`,
    );
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `x (${x.dtype}) and dy (${dy.dtype}) must be float32`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== co) {
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `dy shape [${dy.shape}] does not match the forward output [${n},${oh},${ow},${co}] of x [${x.shape}]`,
    );
  }
  const [sh, sw] = pair(strides);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Rows of the padded input the windows actually touch: kh + (oh-1)·sh.
  const bottom = kh + (oh - 1) * sh - H - top;
  const right = kw + (ow - 1) * sw - W - left;

  // 1×1 without padding, when a stride-s subsample of x has exactly dy's rows/columns.
  const fits = Math.floor((H - 1) / sh) + 1 === oh && Math.floor((W - 1) / sw) + 1 === ow;
  if (kh === 1 && kw === 1 && top === 0 && left === 0 && fits)
    return pointwise(backend, x, dy, sh, sw);

  // Negative bottom/right: crop x first (explicit conv padding must be ≥ 0).
  const xc = padOrCrop2d(backend, x, 0, Math.min(0, bottom), 0, Math.min(0, right));
  const xt = transpose(backend, xc, [3, 1, 2, 0]); // [ci,H',W',n]
  if (xc !== x) release(backend, xc);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]); // [oh,ow,n,co]
  const conv = callKernel(tf.Conv2D, backend, { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap);
  release(backend, xt, dyt);
  if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
    release(backend, conv);
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `internal: filter-gradient conv gave [${conv.shape}], expected [${ci},${kh},${kw},${co}]`,
    );
  }
  if (ci === 1) return view(conv, [kh, kw, 1, co]); // [1,kh,kw,co] is already row-major [kh,kw,1,co]
  const out = transpose(backend, conv, [1, 2, 0, 3]);
  release(backend, conv);
  return out;
}

/**
 * 1×1 filter without padding: dW = xsᵀ·dy with xs = x subsampled by the stride, as one
 * [n·oh·ow, ci]ᵀ × [n·oh·ow, co] product (the dilated-conv form wastes its time on a
 * huge, thin "filter" here).
 */
function pointwise(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
): tf.TensorInfo {
  const [n, oh, ow, co] = dy.shape;
  const ci = x.shape[3];
  const strided = sh !== 1 || sw !== 1 || x.shape[1] !== oh || x.shape[2] !== ow;
  // Subsample with a 1×1 max-pool (XNNPACK, ≈ 1 ms for 4M values; StridedSlice takes ≈ 200 ms).
  const xs = strided
    ? callKernel(tf.MaxPool, backend, { x }, {
        filterSize: [1, 1],
        strides: [sh, sw],
        pad: 'valid',
        dimRoundingMode: undefined as unknown as string,
      } as unknown as tf.NamedAttrMap)
    : x;
  if (xs.shape[1] !== oh || xs.shape[2] !== ow) {
    release(backend, xs);
    throw new KernelInputError(
      tf.Conv2DBackpropFilter,
      `internal: subsampled x [${xs.shape}] does not match dy [${dy.shape}]`,
    );
  }
  const m = n * oh * ow;
  const prod = callKernel(
    tf.BatchMatMul,
    backend,
    { a: view(xs, [1, m, ci]), b: view(dy, [1, m, co]) },
    {
      transposeA: true,
      transposeB: false,
    },
  );
  if (xs !== x) release(backend, xs);
  return view(prod, [1, 1, ci, co]);
}

/** Kernel config registering `conv2DBackpropFilter` on 'wasm'. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
