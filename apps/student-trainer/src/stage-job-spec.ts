import type { ArtifactStore } from '@abd/artifacts';
import { InvalidArgumentError, validateName } from '@abd/grpc-kit';
import { studentTrainer } from '@abd/proto';
import { stagesOf, type RunConfig, type RunMethod } from '@abd/train';
import { stageMethodOf, stageParamsOf } from './stage-job-methods';
import {
  abRawConfig,
  archOf,
  baseRawConfig,
  finite,
  initOf,
  kdRawConfig,
  toRunConfig,
} from './job-spec';
import { checkFitsDataset, storedModel, type StoredModel } from './stored-model';

/**
 * One stage of the pipeline as a job, checked and with defaults filled in. `cfg` is the
 * RunConfig the in-process pipeline would use for that stage (unused parts at their defaults),
 * so a job and `abd run` read the same recipe.
 */
export type StagePlan =
  | { kind: 'teacher'; cfg: RunConfig; epochs: number; output: string }
  | {
      kind: 'ab_init';
      cfg: RunConfig;
      epochs: number;
      output: string;
      /** The run method whose initialisation stage this is. */
      method: RunMethod;
      teacher: StoredModel;
      lr: number;
    }
  | {
      kind: 'classify';
      cfg: RunConfig;
      epochs: number;
      output: string;
      /** The run method whose classification stage this is, and its name as the job gave it. */
      method: RunMethod;
      name: string;
      teacher?: StoredModel;
      init?: StoredModel;
      dataEpochOffset: number;
    };

export type StageKind = StagePlan['kind'];

/** The model id a stage job publishes: its output_model, else the job id. */
function outputOf(name: string, field: string, jobId: string): string {
  return name ? validateName(field, name) : jobId;
}

/** Checks a teacher / AB-init / classify JobSpec and reads the models it refers to. */
export async function stagePlanOf(
  spec: studentTrainer.JobSpec,
  store: ArtifactStore,
  jobId: string,
): Promise<StagePlan> {
  const base = baseRawConfig(spec, jobId);
  const dataset = (base.dataset as { name: string }).name;
  const k = spec.kind;
  if (k?.$case === 'teacher') {
    const t = k.teacher;
    // trainTeacher (as in a run) trains on the whole training split.
    if (spec.subset)
      throw new InvalidArgumentError(
        'spec.subset',
        'a teacher job trains on the whole training split; leave subset unset',
      );
    const arch = archOf(t.arch, 'spec.teacher.arch');
    const cfg = toRunConfig({
      ...base,
      teacher: { arch, epochs: t.epochs || undefined, ...initOf(t.arch) },
      student: { arch },
      methods: ['none'],
    });
    return {
      kind: 'teacher',
      cfg,
      epochs: cfg.teacher.epochs,
      output: outputOf(t.outputModel, 'spec.teacher.output_model', jobId),
    };
  }
  if (k?.$case === 'abInit') {
    const a = k.abInit;
    const method = stageMethodOf('ab_init', a.method);
    const params = stageParamsOf('ab_init', method, a.methodParams);
    const output = outputOf(a.outputModel, 'spec.ab_init.output_model', jobId);
    const student = archOf(a.student, 'spec.ab_init.student');
    const teacher = await storedModel(store, a.teacher, 'spec.ab_init.teacher');
    checkFitsDataset(teacher, dataset, 'spec.ab_init.teacher');
    const cfg = toRunConfig({
      ...base,
      teacher: { arch: teacher.arch, checkpoint: teacher.key },
      student: { arch: student, ...initOf(a.student) },
      methods: [method],
      epochs: { e1: a.epochs || undefined },
      ab: abRawConfig(a.ab, 'spec.ab_init.ab'),
      ...params,
    });
    // AbOptions.lr is the init stage's own lr; unset, the stage uses the spec's lr like a run's.
    const lr = finite('spec.ab_init.ab.lr', a.ab?.lr ?? 0) || cfg.train.lr;
    if (lr < 0) throw new InvalidArgumentError('spec.ab_init.ab.lr', `must be ≥ 0, got ${lr}`);
    return {
      kind: 'ab_init',
      cfg,
      epochs: cfg.epochs.e1,
      output,
      method,
      teacher,
      lr,
    };
  }
  if (k?.$case === 'classify') {
    const c = k.classify;
    const output = outputOf(c.outputModel, 'spec.classify.output_model', jobId);
    const name = c.method || 'ce';
    const method = stageMethodOf('classify', name);
    const params = stageParamsOf('classify', method, c.methodParams);
    let init: StoredModel | undefined;
    let arch: string;
    if (c.init) {
      init = await storedModel(store, c.init, 'spec.classify.init');
      checkFitsDataset(init, dataset, 'spec.classify.init');
      arch = init.arch;
      if (c.student && archOf(c.student, 'spec.classify.student') !== init.arch) {
        throw new InvalidArgumentError(
          'spec.classify.student',
          `is ${archOf(c.student, 'spec.classify.student')} but init model '${init.id}' is ${init.arch}`,
        );
      }
    } else arch = archOf(c.student, 'spec.classify.student');
    let teacher: StoredModel | undefined;
    // A stage reading anything of the teacher (logits, features, gradients) needs one.
    if (stagesOf(method).classify.signals.length > 0) {
      if (!c.teacher)
        throw new InvalidArgumentError('spec.classify.teacher', `${name} needs a teacher`);
      teacher = await storedModel(store, c.teacher, 'spec.classify.teacher');
      checkFitsDataset(teacher, dataset, 'spec.classify.teacher');
    }
    const cfg = toRunConfig({
      ...base,
      teacher: { arch: teacher?.arch ?? arch, checkpoint: teacher?.key },
      student: { arch, ...initOf(init ? undefined : c.student) },
      methods: [method],
      epochs: { e2: c.epochs || undefined },
      kd: kdRawConfig(c.kd, 'spec.classify.kd'),
      ...params,
    });
    return {
      kind: 'classify',
      cfg,
      epochs: cfg.epochs.e2,
      output,
      method,
      name,
      teacher,
      init,
      dataEpochOffset: c.dataEpochOffset,
    };
  }
  throw new InvalidArgumentError(
    'spec.kind',
    `give one of teacher, ab_init, classify, run (got ${k?.$case ?? 'none'})`,
  );
}
