export { abLoss, abTotalLoss, defaultTapWeights } from './ab-loss';
export { activationAgreement, activationSimilarity } from './activation-similarity';
export { crossEntropy } from './cross-entropy';
export type {
  DistillMethod,
  InitMethod,
  JointMethod,
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
export { fitnetsLoss, fitnetsMethod } from './methods/fitnets';
export type { FitnetsParams } from './methods/fitnets';
export { atLoss, atMethod, attentionMap } from './methods/at';
export type { AtParams } from './methods/at';
export { fspLoss, fspMatrix, fspMethod } from './methods/fsp';
export type { FspParams } from './methods/fsp';
export {
  inputGradient,
  jacobianClasses,
  jacobianDirection,
  jacobianFdTerm,
  jacobianLoss,
  jacobianMethod,
} from './methods/jacobian';
export type { JacobianParams } from './methods/jacobian';
export { getMethod, listMethods, registerMethod } from './registry';
export { isOn, signOf, signsOfValues } from './sign-of';
export {
  packSigns,
  signMapBytes,
  signMapBytesPerImage,
  sliceSignMap,
  unpackSigns,
} from './sign-map';
export type { SignMapShape } from './sign-map';
export { packSignsOnDevice, signMapTensor } from './sign-map-device';
