export { teacherInferenceService, type TeacherInferenceOptions } from './teacher-inference.service';
export { TeacherModels, modelKey, type LoadedTeacher } from './teacher-models';
export { infer, checkInfer, teacherForward, inferResponse, type TeacherForward } from './infer';
export { DynamicBatcher } from './batcher';
export type { BatchRequest, BatcherEvents } from './batch-request';
export {
  BATCHER_ENV,
  DEFAULT_BATCHER,
  batcherConfigFrom,
  checkBatcherConfig,
  type BatcherConfig,
} from './batcher-config';
export { DEFAULT_METRICS_PORT, METRICS_PORT_ENV, TeacherMetrics } from './teacher-metrics';
export { floatTensor, floatsOf } from '@abd/train-io';
