export {
  boundaryExtractorService,
  type BoundaryExtractorOptions,
} from './boundary-extractor.service';
export { cachePrefix, CheckpointHashes } from './cache-key';
export { TeacherPool, type PoolOptions, type TeacherJob, type InferParams } from './teacher-pool';
export {
  planBatches,
  planImages,
  checkStreamRequest,
  DatasetCache,
  type BatchPlan,
} from './batch-plan';
