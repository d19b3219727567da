export { abLoss, abTotalLoss, defaultTapWeights } from './ab-loss';
export { activationAgreement, activationSimilarity } from './activation-similarity';
export { crossEntropy } from './cross-entropy';
export type {
  DistillMethod,
  InitMethod,
  LogitsMethod,
  StageKind,
  TeacherSignal,
} from './distill-method';
export { DistillError, MethodParamsError, MethodRegistryError, SignMapError } from './errors';
export type { DistillErrorCode } from './errors';
export { kdLoss } from './kd-loss';
export type { KdLossOptions } from './kd-loss';
export { abMethod } from './methods/ab';
export type { AbParams } from './methods/ab';
export { kdMethod } from './methods/kd';
export type { KdParams } from './methods/kd';
export { getMethod, listMethods, registerMethod } from './registry';
export { signOf } from './sign-of';
export {
  packSigns,
  signMapBytes,
  signMapBytesPerImage,
  sliceSignMap,
  unpackSigns,
} from './sign-map';
export type { SignMapShape } from './sign-map';
