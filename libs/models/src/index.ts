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
export { wrnFlops } from './wrn-flops';
export type { WrnFlops } from './wrn-flops';
export {
  CHECKPOINT_FORMAT,
  CheckpointError,
  parseCheckpoint,
  serializeCheckpoint,
  sha256,
} from './checkpoint';
export type { CheckpointJson, SerializedCheckpoint } from './checkpoint';
export { assignState, loadWrn, saveWrn, stateOf } from './wrn-checkpoint';
export type { LoadedWrn } from './wrn-checkpoint';
export { SeededRandom, subSeed } from './random';
export { makeVariable } from './variables';
export { EXPORT_INPUT, GraphBuilder, wrnGraph } from './export-graph';
export type { ExportGraph, ExportNode } from './export-graph';
export { toLayersModel } from './export-layers';
export type { LayersModelFiles } from './export-layers';
export { ONNX_OPSET, toOnnx } from './export-onnx';
export { EXPORT_FORMATS, writeExport } from './export-files';
export type { ExportFormat } from './export-files';
export { checkpointGraph } from './export-checkpoint';
export { ResNet } from './resnet';
export { parseResNetName, RESNET_NAMES, resnetName, validateResNetConfig } from './resnet-config';
export type { ResNetConfig } from './resnet-config';
export { loadResNet, saveResNet } from './resnet-checkpoint';
export { resnetGraph } from './export-resnet';
export { toGraphModel } from './export-graph-model';
export {
  isResNetArch,
  loadAnyStudentCheckpoint,
  loadStudent,
  loadStudentCheckpoint,
  saveStudent,
  studentOf,
} from './student';
export type { LoadedStudent, Student, StudentModel } from './student';
export { initTfjsWeights, TfjsLayersStudent } from './tfjs-student';
export { loadTfjsStudent, loadTfjsStudentArch, saveTfjsStudent } from './tfjs-student-io';
export { matchTapSize } from './match-tap-size';
export { teacherFormatOf, TeacherFormatError } from './foreign-teacher';
export { loadForeignTeacher, tapCandidates } from './load-foreign-teacher';
export type {
  ForeignTeacher,
  ForeignTeacherFormat,
  ForeignTeacherOptions,
  TapCandidate,
  TeacherOutputs,
  TeacherTensor,
} from './foreign-teacher';
