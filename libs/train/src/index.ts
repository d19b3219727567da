export { SgdNesterov, PAPER_SGD } from './optimizer';
export type { SgdOptions } from './optimizer';
export { learningRate, abOptimizerResetAt, SCHEDULE_KINDS } from './schedule';
export type { ScheduleKind } from './schedule';
export { LocalBatchSource, SizedBatchSource, imagesToTensor } from './batch-source';
export { checkTeacherPoint, GROUP_POINTS, teacherPoints, teacherSignals } from './teacher-signals';
export type {
  FeatureMap,
  PackedSignMap,
  TeacherSignals,
  TeacherSignalsWant,
} from './teacher-signals';
export type {
  BatchSource,
  TrainBatch,
  EpochRequest,
  AugmentSpec,
  BatchRecipe,
  ImageShape,
  LocalSourceOptions,
} from './batch-source';
export { evaluate, evaluateYielding } from './evaluate';
export { CURVE_TEST_IMAGES, curveTestSet, classifyLossName } from './curve-test';
export type { Evaluation } from './evaluate';
export { formatEpochLog } from './events';
export type {
  TrainEvent,
  EventSink,
  StageName,
  AbEpochMetrics,
  ClassifyEpochMetrics,
  PlannedStage,
  PhaseName,
} from './events';
export { RunProgress, titleOf } from './run-progress';
export type { ProgressSnapshot } from './run-progress';
export { formatProgress, formatDuration, formatRate } from './progress-line';
export { planRun } from './run-plan';
export type { PlanSizes } from './run-plan';
export { trainClassifier, namedGrads } from './classify-stage';
export type { ClassifyOptions, KdOptions } from './classify-stage';
export { trainAbInit } from './ab-stage';
export type { AbOptions } from './ab-stage';
export { runStage, CancelledError } from './stage-loop';
export { readHistory, historyKey } from './history';
export type { EpochEvent } from './history';
export type { StageIo } from './stage-loop';
export {
  putCheckpoint,
  getCheckpoint,
  getStudentCheckpoint,
  putStageCheckpoint,
  latestStageCheckpoint,
  CODE_VERSION,
} from './checkpoints';
export { ConfigError, dropNulls, issuesOf, pathOf } from './schema';
export type { ConfigIssue } from './schema';
export {
  RECIPES,
  RECIPE_NAMES,
  DEFAULT_RECIPE,
  expandRecipe,
  describeRecipe,
  recipeOverrides,
} from './recipes';
export type { RecipeName, RecipeKeys } from './recipes';
export { didYouMean, editDistance } from './did-you-mean';
export {
  runConfigJsonSchema,
  runConfigJsonSchemaText,
  configKeys,
  configKeysText,
  RUN_CONFIG_SCHEMA_FILE,
} from './config-schema';
export type { ConfigKey, JsonSchemaNode } from './config-schema';
export { parseRunConfig, validateRunConfig } from './run-config';
export type { RunConfig } from './run-config';
export { RUN_SCHEMA } from './run-schema';
export { BASELINE_RECIPE, BASELINES, baselineParams } from './baseline-params';
export type { BaselineName, BaselineParams, BaselineParamsOf } from './baseline-params';
export {
  RUN_METHODS,
  classifyEpochsOf,
  epochRequestOf,
  hasInitStage,
  needsTeacherModel,
  stagesOf,
} from './run-methods';
export type { MethodStages, RunMethod } from './run-methods';
export { runStudentOf, runTeacherOf } from './run-models';
export {
  runClassifyStage,
  runInitStage,
  saveFinalStudent,
  sgdOf,
  sourceOptionsOf,
} from './stage-runner';
export type { ClassifyStageResult, InitStageResult, StageArgs, StageTeacher } from './stage-runner';
export {
  BUILT_IN_TAPS,
  GENERAL_METHODS,
  pairedStudentTaps,
  studentTapsOf,
  TEACHER_FORMATS,
} from './model-config';
export type { TeacherFormat } from './model-config';
export { evaluateForeignTeacher, loadRunForeignTeacher } from './foreign-run-teacher';
export { foreignTeacherOutputs, isForeignTeacher, teacherBatchOutputs } from './teacher-model';
export type { TeacherModel } from './teacher-model';
export { loadTeacher, trainTeacher } from './teacher';
export { preflightRun, resolveRunPaths, checkpointRef, BUILTIN_TEACHERS_DIR } from './preflight';
export type { CheckpointRef } from './preflight';
export { runPipeline } from './run';
export { loadRunData } from './run-data';
export type { RunResult, MethodResult, RunContext } from './run';
export type { RunData } from './run-data';
export type { BatchSourceArgs } from './run';
export { FeatureAdapter, trainFeatureInit } from './feature-stage';
export type { FeatureInitMethod, FeatureInitOptions } from './feature-stage';
export { atTerm, jacobianTerm } from './joint-terms';
export type { JointTerm } from './joint-terms';
// The whole of grids.ts is public: the experiments, their scales and grids.
export * from './repro/grids';
export { runSweep, aggregate, sweepPrefix } from './repro/sweep';
export type { SweepOptions, SweepResult, CellResult, Aggregate } from './repro/sweep';
export { reproMarkdown, reproSvg } from './repro/report';
export { runRepro } from './repro/repro';
export type { ReproOptions, ReproOutput } from './repro/repro';
export {
  PAPER_FAST_TRAINING,
  PAPER_LITTLE_DATA,
  PAPER_NETWORK_SIZES,
  PAPER_ROWS,
  PAPER_SOURCE,
} from './repro/paper-numbers';
export { describeData, loadConfiguredDataset } from './load-configured-dataset';
export type { DataDescription } from './load-configured-dataset';
export type { TeacherBatchOutputs } from './teacher-model';
export {
  FOREIGN_TEACHER_JSON,
  loadStoredForeignTeacher,
  publishForeignTeacher,
  storedForeignTeacherDescriptor,
} from './stored-foreign-teacher';
export type { ForeignTeacherData, ForeignTeacherDescriptor } from './stored-foreign-teacher';
export { checkForeignRun } from './check-foreign-run';
export { datasetConfigOf } from './dataset-config-of';
export type { DatasetConfig } from './dataset-config';
export {
  DEFAULT_TEACHER_CACHE_BYTES,
  epochOfKey,
  teacherCacheBytesFromEnv,
  TeacherOutputCache,
  teacherOutputKey,
} from './teacher-output-cache';
export type {
  TeacherCacheStats,
  TeacherOutputEntry,
  TeacherOutputFields,
} from './teacher-output-cache';
export { datasetHash, indicesHash, teacherIdentity, wrnWeightsHash } from './teacher-identity';
export { countTeacherPasses } from './teacher-passes';
export type { TeacherPassCount } from './teacher-passes';
export { OverlappedBatchSource } from './overlapped-batch-source';
export { inProcessSource, overlapFromEnv, readsTeacherOutputs } from './in-process-source';
export type { OverlapSetting } from './in-process-source';
export type { TeacherProcessOptions } from './teacher-process';
