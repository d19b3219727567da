// Gradients of the core ops (the umbrella @tensorflow/tfjs package would register them).
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export { Wrn } from './wrn';
export type { ForwardOptions, ForwardResult } from './wrn';
export { Connectors } from './connector';
export { batchNorm, batchNormPlain, batchNormRelu, BN_EPS, BN_MOMENTUM } from './batch-norm';
export type { BatchNormParams } from './batch-norm';
export {
  ModelConfigError,
  parseWrnName,
  validateWrnConfig,
  wrnBlocksPerGroup,
  wrnName,
  wrnWidths,
  WRN_LIMITS,
} from './wrn-config';
export type { InitScheme, WrnConfig } from './wrn-config';
export { CHECKPOINT_FORMAT, CheckpointError, parseCheckpoint, serializeCheckpoint, sha256 } from './checkpoint';
export type { CheckpointJson, SerializedCheckpoint } from './checkpoint';
export { assignState, loadWrn, saveWrn, stateOf } from './wrn-checkpoint';
export type { LoadedWrn } from './wrn-checkpoint';
export { SeededRandom, subSeed } from './random';
export { makeVariable } from './variables';
