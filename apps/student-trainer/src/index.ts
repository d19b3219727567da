export { JobManager, type JobManagerOptions } from './job-manager';
export { studentTrainerService } from './student-trainer.service';
export { runConfigOf, outputModelId } from './job-spec';
export { stagePlanOf, type StagePlan, type StageKind } from './stage-job-spec';
