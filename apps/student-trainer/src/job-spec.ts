import type { ArtifactStore } from '@abd/artifacts';
import { DATASET_NAMES } from '@abd/data';
import { InvalidArgumentError, validateName } from '@abd/grpc-kit';
import { common, studentTrainer } from '@abd/proto';
import { subsetFromWire } from '@abd/train-io';
import { storedRunTeacher } from './stored-model';
import { runConfigOfJson } from './config-json';
import { ConfigError, hasInitStage, RunConfig, RunMethod, validateRunConfig } from '@abd/train';

const METHODS: Record<string, RunMethod> = {
  none: 'none',
  ce: 'none',
  kd: 'kd',
  'ab+kd': 'ab+kd',
  ab: 'ab+ce',
  'ab+ce': 'ab+ce',
};

/** A store-safe model id for a run's method: `<prefix>-ab-kd`. */
export function outputModelId(prefix: string, method: RunMethod): string {
  return `${prefix}-${method.replace(/\+/g, '-')}`;
}

/** The store id a run job publishes its own teacher file under (teacher.format), for teacher-inference. */
export function foreignTeacherId(jobId: string): string {
  return `${jobId}-teacher`;
}

/** `wrn-<d>-<k>` of a ModelArch, checked (family, depth 6n+4, widen ≥ 1, init scheme). */
export function archOf(a: common.ModelArch | undefined, field: string): string {
  if (!a || !a.depth || !a.widen) throw new InvalidArgumentError(field, 'needs depth and widen');
  if (a.family && a.family !== 'wrn')
    throw new InvalidArgumentError(`${field}.family`, `unknown family '${a.family}' (known: wrn)`);
  if (a.depth < 10 || (a.depth - 4) % 6 !== 0)
    throw new InvalidArgumentError(
      `${field}.depth`,
      `WRN depth must be 6n+4 (10, 16, 22, …), got ${a.depth}`,
    );
  if (a.init && a.init !== 'paper' && a.init !== 'default')
    throw new InvalidArgumentError(
      `${field}.init`,
      `unknown init '${a.init}' (known: paper, default)`,
    );
  return `wrn-${a.depth}-${a.widen}`;
}

/** The run config's init scheme and seed of a ModelArch (seed absent = the config's default). */
export function initOf(
  a: common.ModelArch | undefined,
  fallbackSeed?: number,
): { init: 'paper' | 'torch'; seed?: number } {
  return {
    init: a?.init === 'default' ? 'torch' : 'paper',
    seed: a?.seed?.$case === 'initSeed' ? a.seed.initSeed : fallbackSeed,
  };
}

export const finite = (field: string, v: number): number => {
  if (!Number.isFinite(v))
    throw new InvalidArgumentError(field, `must be a finite number, got ${v}`);
  return v;
};

const PAPER_MILESTONES = [0.3, 0.6, 0.8];

/**
 * The parts of a RunConfig every kind of job shares: name, seed, dataset + subset and the
 * training recipe (zero values = the schema's defaults, i.e. the paper's code).
 */
export function baseRawConfig(
  spec: studentTrainer.JobSpec,
  jobId: string,
): Record<string, unknown> {
  // A dataset of your own travels in a run's config_json (checked there with the pipeline's loaders).
  if (spec.dataset?.own)
    throw new InvalidArgumentError(
      'spec.dataset.config_json',
      "a dataset by format + path is given in spec.run.config_json's dataset (the whole run config), not here",
    );
  const dataset = validateName('spec.dataset.name', spec.dataset?.name || 'fashion-mnist');
  if (!(DATASET_NAMES as readonly string[]).includes(dataset))
    throw new InvalidArgumentError(
      'spec.dataset.name',
      `unknown dataset '${dataset}' (known: ${DATASET_NAMES.join(', ')})`,
    );
  const sub = subsetFromWire(spec.subset);
  if (sub?.fraction !== undefined) finite('spec.subset.fraction', sub.fraction);
  const lr = spec.lr;
  // The schedules are fixed in libs/train; accept only what they do rather than ignore it.
  if (lr?.milestones.length && lr.milestones.join() !== PAPER_MILESTONES.join()) {
    throw new InvalidArgumentError(
      'spec.lr.milestones',
      `only the paper's [${PAPER_MILESTONES.join(', ')}] (or empty) is supported, got [${lr.milestones.join(', ')}]`,
    );
  }
  if (lr?.divisor && lr.divisor !== 5)
    throw new InvalidArgumentError(
      'spec.lr.divisor',
      `only 5 (or 0) is supported, got ${lr.divisor}`,
    );
  return {
    name: (spec.name || jobId).replace(/[^A-Za-z0-9._/-]/g, '-'),
    // The structured fields' zero values mean the paper code's recipe (t_squared false, no CE,
    // epoch-boundary decay), whatever the config file default is.
    recipe: 'paper-code',
    seed: spec.seed,
    dataset: {
      name: dataset,
      subset: sub,
    },
    train: {
      batchSize: spec.batchSize || undefined,
      lr: finite('spec.lr.initial_lr', lr?.initialLr ?? 0) || undefined,
      momentum: finite('spec.lr.momentum', lr?.momentum ?? 0) || undefined,
      weightDecay: finite('spec.lr.weight_decay', lr?.weightDecay ?? 0) || undefined,
      nesterov: lr ? lr.nesterov : undefined,
      schedule: lr?.perStep ? 'per-step' : undefined,
      augment: spec.augmentation
        ? { pad: spec.augmentation.pad, flip: spec.augmentation.flip }
        : undefined,
    },
  };
}

/** RunConfig `ab` of AbOptions; `field` is e.g. `spec.run.ab`. */
export function abRawConfig(
  ab: studentTrainer.AbOptions | undefined,
  field: string,
): Record<string, unknown> {
  const reset = finite(`${field}.optimizer_reset_fraction`, ab?.optimizerResetFraction ?? 0);
  // libs/train knows the paper code's reset at ⌈0.75·E₁⌉+1 or none.
  if (reset !== 0 && reset !== 0.75 && reset !== 1)
    throw new InvalidArgumentError(
      `${field}.optimizer_reset_fraction`,
      `must be 0 or 0.75 (reset at ⌈0.75·E1⌉+1) or 1 (never), got ${reset}`,
    );
  return {
    mu: finite(`${field}.mu`, ab?.mu ?? 0) || undefined,
    weights: ab?.tapWeights.length
      ? ab.tapWeights.map((w) => finite(`${field}.tap_weights`, w.weight))
      : undefined,
    teacherBnMode: ab?.teacherBnTrainMode ? 'train' : 'eval',
    resetOptimizer: reset === 1 ? false : undefined,
  };
}

/** RunConfig `kd` of KdOptions. */
export function kdRawConfig(
  kd: studentTrainer.KdOptions | undefined,
  field: string,
): Record<string, unknown> {
  return {
    temperature: finite(`${field}.temperature`, kd?.temperature ?? 0) || undefined,
    t2Factor: kd?.tSquared || undefined,
    alpha: finite(`${field}.ce_weight`, kd?.ceWeight ?? 0) || undefined,
  };
}

/** Validates a raw config; schema errors become INVALID_ARGUMENT. */
export function toRunConfig(raw: Record<string, unknown>): RunConfig {
  try {
    return validateRunConfig(JSON.parse(JSON.stringify(raw)));
  } catch (e) {
    if (e instanceof ConfigError)
      throw new InvalidArgumentError(`spec (${e.path || 'config'})`, e.message);
    throw e;
  }
}

/**
 * A whole-run JobSpec as the RunConfig the in-process pipeline takes; a stored teacher's arch
 * is read from its model.json.
 */
export async function runConfigOf(
  spec: studentTrainer.JobSpec,
  store: ArtifactStore,
  jobId: string,
): Promise<RunConfig> {
  if (spec.kind?.$case !== 'run')
    throw new InvalidArgumentError(
      'spec.kind',
      `expected a run job, got '${spec.kind?.$case ?? 'none'}'`,
    );
  const r = spec.kind.run;
  if (r.configJson) return runConfigOfJson(spec, r, store);
  const method = METHODS[r.method];
  if (!method)
    throw new InvalidArgumentError(
      'spec.run.method',
      `unknown method '${r.method}' (known: ${Object.keys(METHODS).join(', ')})`,
    );
  const base = baseRawConfig(spec, jobId);
  let teacher: Record<string, unknown>;
  if (r.teacherSource?.$case === 'teacher') {
    // runPipeline and the boundary-extractor factory take a teacher as `models/<id>`.
    const m = await storedRunTeacher(store, r.teacherSource.teacher);
    teacher = { arch: m.arch, checkpoint: m.key };
  } else if (r.teacherSource?.$case === 'trainTeacher') {
    const t = r.teacherSource.trainTeacher;
    teacher = {
      arch: archOf(t.arch, 'spec.run.train_teacher.arch'),
      epochs: t.epochs || undefined,
      ...initOf(t.arch),
    };
  } else throw new InvalidArgumentError('spec.run.teacher_source', 'give teacher or train_teacher');
  const ab = hasInitStage(method);
  let e1 = r.initEpochs;
  let e2 = r.classifyEpochs;
  if (!ab) {
    // none/kd train for E₁+E₂ epochs in one stage; the pipeline wants both ≥ 1.
    if (e1 === 0) [e1, e2] = [1, e2 - 1];
  }
  const p = r.methodParams;
  // A run's AB stage follows the run's recipe (spec.lr); its own lr is an ab_init job's option.
  if (r.ab?.lr)
    throw new InvalidArgumentError(
      'spec.run.ab.lr',
      `run jobs train the AB stage at spec.lr; set the AB stage's own lr in an ab_init job (got ${r.ab.lr})`,
    );
  return toRunConfig({
    ...base,
    teacher,
    student: {
      arch: archOf(r.student, 'spec.run.student'),
      ...initOf(r.student, p.student_seed ?? 1),
    },
    methods: [method],
    epochs: { e1, e2 },
    ab: abRawConfig(r.ab, 'spec.run.ab'),
    kd: kdRawConfig(r.kd, 'spec.run.kd'),
  });
}
