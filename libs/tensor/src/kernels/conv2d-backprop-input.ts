import * as tf from '@tensorflow/tfjs-core';
import {
  callConfig,
  callKernel,
  dilate2d,
  KernelInputError,
  pair,
  padOrCrop2d,
  release,
  transpose,
} from './kernel-utils';
import type { WasmBackendLike } from './kernel-utils';

type Args = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs?: tf.NamedAttrMap };

/**
 * Fast Conv2DBackpropInput for the wasm backend. The stock kernel is a direct loop
 * (≈ 10× slower than XNNPACK's forward conv), so we write
 *
 *   dx = conv(dilate_s(dy), rot180(W)ᵀ)     (stride 1, in/out channels swapped)
 *
 * with top/left padding kh−1−pt / kw−1−pl and bottom/right chosen so dx has the input
 * shape. For 1×1 filters with stride > 1 the product is taken first and dilated after
 * (no multiplications by inserted zeros). Falls back to `stock` where the formulation
 * does not apply (padding larger than the filter, channels-first, non-float32).
 */
export function makeConv2DBackpropInput(
  stock: tf.KernelConfig | undefined,
): (args: Args) => tf.TensorInfo {
  return (args: Args): tf.TensorInfo => {
    const { inputs, backend } = args;
    const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const fallback = (why: string): tf.TensorInfo => {
      if (stock == null)
        throw new KernelInputError(
          tf.Conv2DBackpropInput,
          `${why}, and no stock kernel to fall back to`,
        );
      return callConfig(stock, backend, inputs as Record<string, tf.TensorInfo>, args.attrs);
    };
    if (
      (dataFormat != null && dataFormat !== 'NHWC') ||
      dy.dtype !== 'float32' ||
      filter.dtype !== 'float32'
    ) {
      return fallback(`dataFormat ${dataFormat}, dtypes ${dy.dtype}/${filter.dtype}`);
    }
    if (dy.shape.length !== 4 || filter.shape.length !== 4) {
      throw new KernelInputError(
        tf.Conv2DBackpropInput,
        `dy [${dy.shape}] and filter [${filter.shape}] must be rank 4`,
      );
    }
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { inHeight: H, inWidth: W, inChannels: ci, outChannels: co } = info;
    const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
    if (dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== co) {
      throw new KernelInputError(
        tf.Conv2DBackpropInput,
        `dy [${dy.shape}] does not match the forward output [${inputShape[0]},${oh},${ow},${co}] of input [${inputShape}]`,
      );
    }
    const [sh, sw] = pair(strides);
    const { top: pt, left: pl } = info.padInfo;

    if (kh === 1 && kw === 1) {
      // dx = dilate(dy · Wᵀ) shifted by the padding: row h of dx is row h+pt of the dilation.
      const wSwap = transpose(backend, filter, [0, 1, 3, 2]); // [1,1,co,ci]
      const z = conv(backend, dy, wSwap, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ]); // [n,oh,ow,ci]
      release(backend, wSwap);
      if (sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === H && ow === W) return z;
      const zd = sh === 1 && sw === 1 ? z : dilate2d(backend, z, sh, sw);
      if (zd !== z) release(backend, z);
      const out = padOrCrop2d(backend, zd, -pt, H + pt - oh * sh, -pl, W + pl - ow * sw);
      if (out !== zd) release(backend, zd);
      return out;
    }

    const top = kh - 1 - pt;
    const left = kw - 1 - pl;
    if (top < 0 || left < 0) return fallback(`padding ${pt}/${pl} larger than filter ${kh}×${kw}`);
    // Rotate the filter by 180° and swap in/out channels: [kh,kw,ci,co] → [kh,kw,co,ci].
    const rev = callKernel(tf.Reverse, backend, { x: filter }, { dims: [0, 1] });
    const wRot = transpose(backend, rev, [0, 1, 3, 2]);
    release(backend, rev);
    const dyd = sh === 1 && sw === 1 ? dy : dilate2d(backend, dy, sh, sw); // [n, oh·sh, ow·sw, co]
    const L = dyd.shape[1];
    const M = dyd.shape[2];
    const bottom = H + kh - 1 - L - top;
    const right = W + kw - 1 - M - left;
    const src = padOrCrop2d(backend, dyd, 0, Math.min(0, bottom), 0, Math.min(0, right));
    if (src !== dyd && dyd !== dy) release(backend, dyd);
    const out = conv(backend, src, wRot, [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ]);
    if (src !== dy) release(backend, src);
    release(backend, wRot);
    return out;
  };
}

function conv(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pad: number[][],
): tf.TensorInfo {
  return callKernel(tf.Conv2D, backend, { x, filter }, {
    strides: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap);
}

/** Kernel config: our Conv2DBackpropInput, falling back to `stock` (the wasm one). */
export function conv2DBackpropInputConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    setupFunc: stock?.setupFunc,
    disposeFunc: stock?.disposeFunc,
    kernelFunc: makeConv2DBackpropInput(stock) as unknown as tf.KernelFunc,
  };
}
