import { PlannedStage } from './events';
import { classifyEpochsOf, hasInitStage, RunMethod } from './run-methods';
import { RunConfig } from './run-config';

export interface PlanSizes {
  /** Images the teacher trains on (the whole training split); ignored with a teacher checkpoint. */
  teacherImages: number;
  /** Images a student trains on per epoch (the subset); 0 = not known yet (steps filled in later). */
  studentImages: number;
}

/**
 * The stages a run goes through, in the order runPipeline runs them: the teacher (when it is
 * trained), then per method its init stage (E₁) and its classification (E₂, or E₁ + E₂ for a
 * method without an init stage). Labels are the ones the stages report in their events.
 */
export function planRun(
  cfg: RunConfig,
  sizes: PlanSizes,
  finished: ReadonlySet<RunMethod> = new Set(),
): PlannedStage[] {
  const b = cfg.train.batchSize;
  const of = (images: number) => ({
    stepsPerEpoch: Math.ceil(images / b),
    imagesPerStep: images > 0 ? images / Math.ceil(images / b) : b,
  });
  const stages: PlannedStage[] = [];
  if (!cfg.teacher.checkpoint && !cfg.teacher.format) {
    stages.push({
      stage: 'teacher',
      label: `teacher ${cfg.teacher.arch}`,
      epochs: cfg.teacher.epochs,
      ...of(sizes.teacherImages),
      done: false,
    });
  }
  const { e1 } = cfg.epochs;
  for (const m of cfg.methods) {
    const label = `${m} ${cfg.student.arch}`;
    const done = finished.has(m);
    if (hasInitStage(m))
      stages.push({ stage: 'ab-init', label, epochs: e1, ...of(sizes.studentImages), done });
    const { epochs } = classifyEpochsOf(cfg.epochs, m);
    stages.push({ stage: 'classify', label, epochs, ...of(sizes.studentImages), done });
  }
  return stages;
}
