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
export { foreignTeacherOutputs, isForeignTeacher, teacherBatchOutputs } from './teacher-model';
export type { TeacherModel } from './teacher-model';
export { loadTeacher, trainTeacher } from './teacher';
export { runPipeline } from './run';
export type { RunResult, MethodResult, RunContext } from './run';
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
export type { TeacherBatchOutputs } from './teacher-model';
export type { DatasetConfig } from './dataset-config';
// The whole of these modules is public: the teacher-output cache and its key, a stored user's teacher.
export * from './teacher-output-cache';
export * from './stored-foreign-teacher';
export { OverlappedBatchSource } from './overlapped-batch-source';
export type { TeacherProcessOptions } from './teacher-process';
// Modules public as a whole.
export * from './model-config';
export * from './repro/paper-numbers';
export * from './load-configured-dataset';
export * from './check-foreign-run';
export * from './dataset-config-of';
export * from './teacher-identity';
export * from './teacher-passes';
export * from './in-process-source';
export * from './run-data';
export * from './foreign-run-teacher';
export * from './preflight';
