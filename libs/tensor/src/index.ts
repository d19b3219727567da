export { initBackend, backendReport, BackendUnavailableError } from './backend';
export type { BackendInfo, BackendName } from './backend';
export type { NativeStatus } from './native';
export { ensureGradients } from './gradients';
export { registerWasmTrainingKernels } from './kernels/register';
export { expectFlatTensors, countTensorsOver, TensorLeakError } from './memory';
export type { LeakReport } from './memory';
export {
  nativeBatchNorm,
  nativeBatchNormInference,
  nativeBatchNormRelu,
  hasNativeBatchNormRelu,
} from './native';
export type { BatchNormReluResult } from './native';
