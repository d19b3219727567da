import { parse } from 'yaml';
import { datasetInfo, MAX_BATCH_SIZE, MAX_PAD } from '@abd/data';
import { getMethod, MethodParamsError } from '@abd/distill';
import { checkDatasetConfig, DATASET_SCHEMA, type DatasetConfig } from './dataset-config';
import { checkModels, STUDENT_FIELDS, TEACHER_FIELDS, type TeacherFormat } from './model-config';
import { SCHEDULE_KINDS, ScheduleKind } from './schedule';
import { ConfigError, Spec, validate } from './schema';

export const RUN_METHODS = ['none', 'kd', 'ab+kd', 'ab+ce', 'fitnets+kd', 'at+kd', 'fsp+kd', 'jacobian+kd'] as const;
export type RunMethod = (typeof RUN_METHODS)[number];

/**
 * Parameters of the paper's baselines (each method's JSDoc in @abd/distill says what they mean;
 * absent keys take that method's defaults via its `validate`).
 */
export interface BaselineParams {
  fitnets?: { studentTap?: number; teacherTap?: number; regressorKernel?: number; weight?: number };
  at?: { beta?: number; p?: number; taps?: number[]; form?: 'code' | 'paper' };
  fsp?: { groups?: number[]; weights?: number[] };
  jacobian?: { lambda?: number; output?: 'teacher-top' | 'label'; mode?: 'first-order' | 'second-order'; fdEps?: number };
}

export interface RunConfig extends BaselineParams {
  name: string;
  seed: number;
  dataset: DatasetConfig;
  teacher: {
    /** A WRN name; with `format`, a label (filled in from the file name when absent). */
    arch: string;
    /** Store directory of a checkpoint (`models/<id>`); trained when absent. */
    checkpoint?: string;
    /** A user's own teacher: its format, file (relative to the current directory) and tapped tensors. */
    format?: TeacherFormat;
    path?: string;
    taps?: string[];
    /** An ONNX teacher's 4-D layout (default nchw, PyTorch's). */
    layout?: 'nchw' | 'nhwc';
    /** The layer / node / value giving the logits when the model has several outputs. */
    logits?: string;
    init: 'paper' | 'torch';
    seed: number;
    epochs: number;
    schedule: ScheduleKind;
  };
  /** `arch`: a WRN (`wrn-10-1`) or a CIFAR ResNet (`resnet-8`, `resnet20`, `resnet8x4`; kaiming init whatever `init` says). */
  student: {
    arch: string;
    init: 'paper' | 'torch';
    seed: number;
    /** A tfjs LayersModel architecture file as the student (`arch` then a label), with its tap layers. */
    format?: 'tfjs-layers';
    path?: string;
    taps?: string[];
  };
  methods: RunMethod[];
  epochs: { e1: number; e2: number };
  /** `studentTaps`: 1-based student taps paired with the teacher's, in order (default: the student's last k for a teacher with k taps). */
  ab: { mu: number; weights: number[]; teacherBnMode: 'eval' | 'train'; schedule: ScheduleKind; resetOptimizer: boolean; studentTaps?: number[] };
  kd: { temperature: number; t2Factor: boolean; alpha: number };
  train: {
    batchSize: number;
    lr: number;
    momentum: number;
    weightDecay: number;
    nesterov: boolean;
    schedule: ScheduleKind;
    augment: { pad: number; flip: boolean };
    testEvery: number;
  };
}

/** An arch name, or a label beside `format`; checkModels checks which. */
const arch: Spec = { type: 'string', optional: true, pattern: /^\S.{0,127}$/ };
/**
 * Upper bounds so that every count a job reports fits its uint32 field (total_epochs is
 * e1 + e2) and nothing is accepted that a later stage refuses: 8192 is the
 * boundary-extractor's largest batch.
 */
export const RUN_LIMITS = { epochs: 10_000, batchSize: MAX_BATCH_SIZE, seed: 0xffff_ffff } as const;
const epochsSpec = (d: number): Spec => ({ type: 'number', int: true, min: 1, max: RUN_LIMITS.epochs, default: d });
const seedSpec = (d: number): Spec => ({ type: 'number', int: true, min: 0, max: RUN_LIMITS.seed, default: d });
const init: Spec = { type: 'string', enum: ['paper', 'torch'], default: 'paper' };
const optInt: Spec = { type: 'number', int: true, min: 1, optional: true };
const optNum: Spec = { type: 'number', min: 0, optional: true };
const schedule = (d: ScheduleKind): Spec => ({ type: 'string', enum: SCHEDULE_KINDS, default: d });

/** The run config schema; defaults are the paper's code: docs/design.md §4 (Training recipe and schedules). */
export const RUN_SCHEMA: Spec = {
  type: 'object',
  fields: {
    name: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,127}$/ },
    seed: seedSpec(1),
    dataset: DATASET_SCHEMA,
    teacher: {
      type: 'object',
      fields: {
        arch,
        checkpoint: { type: 'string', optional: true },
        ...TEACHER_FIELDS,
        init,
        seed: seedSpec(0),
        epochs: epochsSpec(8),
        schedule: schedule('paper-epochs'),
      },
    },
    student: { type: 'object', fields: { arch, init, seed: seedSpec(1), ...STUDENT_FIELDS } },
    methods: { type: 'array', items: { type: 'string', enum: RUN_METHODS }, default: ['none', 'kd', 'ab+kd'], minItems: 1 },
    epochs: {
      type: 'object',
      fields: { e1: epochsSpec(5), e2: epochsSpec(25) },
    },
    ab: {
      type: 'object',
      fields: {
        mu: { type: 'number', min: 0, default: 1 },
        // Default (the published weights, or their last k for k teacher taps) filled in by checkModels.
        weights: { type: 'array', items: { type: 'number', min: 0 }, optional: true, minItems: 1 },
        teacherBnMode: { type: 'string', enum: ['eval', 'train'], default: 'eval' },
        schedule: schedule('constant'),
        resetOptimizer: { type: 'boolean', default: true },
        studentTaps: { type: 'array', items: { type: 'number', int: true, min: 1 }, optional: true, minItems: 1 },
      },
    },
    kd: {
      type: 'object',
      fields: {
        temperature: { type: 'number', min: 0.01, default: 3 },
        t2Factor: { type: 'boolean', default: false },
        alpha: { type: 'number', min: 0, max: 1, default: 0 },
      },
    },
    // The baselines' parameters; optional, completed by the method's own validate().
    fitnets: {
      type: 'object',
      optional: true,
      fields: { studentTap: optInt, teacherTap: optInt, regressorKernel: optInt, weight: optNum },
    },
    at: {
      type: 'object',
      optional: true,
      fields: { beta: optNum, p: optNum, taps: { type: 'array', items: { type: 'number', int: true, min: 1 }, optional: true }, form: { type: 'string', enum: ['code', 'paper'], optional: true } },
    },
    fsp: {
      type: 'object',
      optional: true,
      fields: { groups: { type: 'array', items: { type: 'number', int: true, min: 1 }, optional: true }, weights: { type: 'array', items: { type: 'number', min: 0 }, optional: true } },
    },
    jacobian: {
      type: 'object',
      optional: true,
      fields: {
        lambda: optNum,
        output: { type: 'string', enum: ['teacher-top', 'label'], optional: true },
        mode: { type: 'string', enum: ['first-order', 'second-order'], optional: true },
        fdEps: optNum,
      },
    },
    train: {
      type: 'object',
      fields: {
        batchSize: { type: 'number', int: true, min: 1, max: MAX_BATCH_SIZE, default: 128 },
        lr: { type: 'number', min: 0, default: 0.1 },
        momentum: { type: 'number', min: 0, max: 1, default: 0.9 },
        weightDecay: { type: 'number', min: 0, default: 5e-4 },
        nesterov: { type: 'boolean', default: true },
        schedule: schedule('paper-epochs'),
        augment: {
          type: 'object',
          fields: { pad: { type: 'number', int: true, min: 0, max: MAX_PAD, default: 4 }, flip: { type: 'boolean', default: false } },
        },
        testEvery: { type: 'number', int: true, min: 1, default: 1 },
      },
    },
  },
};

/**
 * Our recipe's defaults for the baselines where the method's own default does not train:
 * FitNets' ½‖W_r(S) − T‖² and FSP's Σ‖G_S − G_T‖² are sums over every element, so at the
 * init stage's lr 0.1 (AB's recipe) they diverge with weight 1. Like AB's tap weights
 * (3/4000, 3/2000, 3/1000) they are scaled down: measured on WRN-10-2 → WRN-10-1, 28×28,
 * batch 32, lr 0.1: FitNets 1e-2 diverges, 3e-3 spikes, 1e-3 falls smoothly; FSP 1e-2 spikes,
 * 1e-3 and 1e-4 fall smoothly; FSP takes 2e-4 as its matrices grow with the teacher's width².
 */
export const BASELINE_RECIPE = { fitnets: { weight: 1e-3 }, fspWeight: 2e-4 } as const;

/** A baseline's parameters for a run: the config's keys, else our recipe, else the method's defaults. */
export function baselineParams(cfg: BaselineParams, name: 'fitnets' | 'at' | 'fsp' | 'jacobian'): unknown {
  const given = (cfg[name] ?? {}) as Record<string, unknown>;
  let p: Record<string, unknown> = { ...given };
  if (name === 'fitnets') p = { ...BASELINE_RECIPE.fitnets, ...given };
  if (name === 'fsp' && given.weights === undefined) {
    const groups = (given.groups as number[] | undefined) ?? [1, 2, 3];
    p = { ...given, weights: groups.map(() => BASELINE_RECIPE.fspWeight) };
  }
  return getMethod(name).validate(p);
}

/** Validates a parsed config object (defaults filled in). */
export function validateRunConfig(raw: unknown): RunConfig {
  const cfg = validate(raw, RUN_SCHEMA) as RunConfig;
  cfg.dataset = checkDatasetConfig(cfg.dataset);
  const sub = cfg.dataset.subset;
  if (sub && (sub.fraction === undefined) === (sub.count === undefined)) {
    throw new ConfigError('dataset.subset', `'dataset.subset' needs exactly one of 'fraction' or 'count'`);
  }
  // A format + path dataset's channels and classes are known only once it is read; its archs get the
  // shape checks then, here only the name and sizes.
  const info = cfg.dataset.format ? { channels: 1, classes: 2 } : datasetInfo(cfg.dataset.name);
  checkModels(cfg, info.channels, info.classes);
  // Key order as when the schema filled the weights in (a stored config.json keeps it).
  const { mu, weights, teacherBnMode, schedule, resetOptimizer, studentTaps } = cfg.ab;
  cfg.ab = { mu, weights, teacherBnMode, schedule, resetOptimizer, ...(studentTaps ? { studentTaps } : {}) };
  for (const name of ['fitnets', 'at', 'fsp', 'jacobian'] as const) {
    try {
      baselineParams(cfg, name);
    } catch (e) {
      if (e instanceof MethodParamsError) throw new ConfigError(`${name}.${e.key ?? ''}`, `'${name}': ${e.message}`);
      throw e;
    }
  }
  return cfg;
}

/** Parses YAML text into a validated config; `source` names the file in errors. */
export function parseRunConfig(text: string, source = 'config'): RunConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError('', `${source} is not valid YAML: ${(e as Error).message}`);
  }
  try {
    return validateRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.path, `${source}: ${e.message.replace(/^config: /, '')}`);
    throw e;
  }
}
