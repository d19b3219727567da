// Native Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter for the wasm backend (NHWC).
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeAddon } from './load-addon';
import { input, overrideWasmKernel, type KernelArgs } from './kernel-override';
import { heapOf, offsetOf } from './wasm-heap';

type Info = backend_util.Conv2DInfo;
type ConvFn = (heap: ArrayBuffer, ...args: number[]) => void;

/** The shape/attr integers every native conv takes, in the addon's order. */
export function convShapeArgs(c: Info): number[] {
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.outChannels,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    Math.max(0, c.padInfo.top),
    Math.max(0, c.padInfo.left),
    Math.max(0, c.padInfo.bottom),
    Math.max(0, c.padInfo.right),
  ];
}

function supported(c: Info, ...ts: tf.TensorInfo[]): boolean {
  return c.dataFormat === 'channelsLast' && ts.every((t) => t.dtype === 'float32');
}

function run(
  fn: ConvFn,
  b: BackendWasm,
  c: Info,
  a: tf.TensorInfo,
  w: tf.TensorInfo,
  outShape: number[],
) {
  const out = b.makeOutput(outShape, 'float32');
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  // A zero-sized reduction leaves the output unwritten: let the fallback fill it.
  if (tf.util.sizeFromShape(a.shape) === 0 || tf.util.sizeFromShape(w.shape) === 0) {
    b.disposeData(out.dataId);
    return undefined;
  }
  fn(heapOf(b), offsetOf(b, a), offsetOf(b, w), offsetOf(b, out), ...convShapeArgs(c));
  return out;
}

function format(dataFormat: 'NHWC' | 'NCHW') {
  return backend_util.convertConv2DDataFormat(dataFormat);
}

export function registerConvKernels(addon: NativeAddon): string[] {
  overrideWasmKernel(tf.Conv2D, ({ inputs, backend, attrs }: KernelArgs) => {
    const x = input(inputs, 'x'),
      filter = input(inputs, 'filter');
    const { strides, pad, dataFormat, dilations, dimRoundingMode } =
      attrs as unknown as Conv2DAttrs;
    const c = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      format(dataFormat),
    );
    if (!supported(c, x, filter)) return undefined;
    return run(addon.conv2d, backend, c, x, filter, c.outShape);
  });
  overrideWasmKernel(tf.Conv2DBackpropInput, ({ inputs, backend, attrs }: KernelArgs) => {
    const dy = input(inputs, 'dy'),
      filter = input(inputs, 'filter');
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      attrs as unknown as Conv2DBackpropInputAttrs;
    const c = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format(dataFormat),
    );
    if (!supported(c, dy, filter)) return undefined;
    return run(addon.conv2dBackpropInput, backend, c, dy, filter, c.inShape);
  });
  overrideWasmKernel(tf.Conv2DBackpropFilter, ({ inputs, backend, attrs }: KernelArgs) => {
    const x = input(inputs, 'x'),
      dy = input(inputs, 'dy');
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    const c = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format(dataFormat),
    );
    if (!supported(c, x, dy)) return undefined;
    return run(addon.conv2dBackpropFilter, backend, c, x, dy, filterShape);
  });
  return [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter];
}
