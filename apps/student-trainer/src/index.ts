export { JobManager, type JobManagerOptions } from './job-manager';
export { studentTrainerService } from './student-trainer.service';
export { runConfigOf, jobSpecsOf, outputModelId } from './job-spec';
export { stagePlanOf, type StagePlan, type StageKind } from './stage-job-spec';
export { JobEventDecoder } from './job-events';
