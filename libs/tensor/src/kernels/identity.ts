import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Identity on wasm by sharing the input's buffer (reference count + 1), as the cpu backend does,
 * instead of the stock kernel's copy. The engine calls Identity to clone every tensor a gradient
 * saves for the backward pass: a copy of each activation per training step. Kernels never write
 * into their inputs, so a shared buffer is safe; string tensors keep the stock kernel.
 */
export function identityConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (params) => {
      const x = params.inputs.x as TensorInfo;
      if (x.dtype === 'string') {
        if (!stock) throw new Error('abd: no wasm Identity kernel for string tensors');
        return stock.kernelFunc(params);
      }
      (params.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
