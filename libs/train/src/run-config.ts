import { parse } from 'yaml';
import { DATASET_NAMES } from '@abd/data';
import { SCHEDULE_KINDS, ScheduleKind } from './schedule';
import { ConfigError, Spec, validate } from './schema';

export const RUN_METHODS = ['none', 'kd', 'ab+kd', 'ab+ce'] as const;
export type RunMethod = (typeof RUN_METHODS)[number];

export interface RunConfig {
  name: string;
  seed: number;
  dataset: { name: string; dir?: string; subset?: { fraction?: number; count?: number; seed: number } };
  teacher: {
    arch: string;
    /** Store directory of a checkpoint (`models/<id>`); trained when absent. */
    checkpoint?: string;
    init: 'paper' | 'torch';
    seed: number;
    epochs: number;
    schedule: ScheduleKind;
  };
  student: { arch: string; init: 'paper' | 'torch'; seed: number };
  methods: RunMethod[];
  epochs: { e1: number; e2: number };
  ab: { mu: number; weights: number[]; teacherBnMode: 'eval' | 'train'; schedule: ScheduleKind; resetOptimizer: boolean };
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

const arch: Spec = { type: 'string', pattern: /^(wrn-)?\d+-\d+$/i };
const init: Spec = { type: 'string', enum: ['paper', 'torch'], default: 'paper' };
const schedule = (d: ScheduleKind): Spec => ({ type: 'string', enum: SCHEDULE_KINDS, default: d });

/** The run config schema; defaults are the paper's code (DESIGN §1). */
export const RUN_SCHEMA: Spec = {
  type: 'object',
  fields: {
    name: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,127}$/ },
    seed: { type: 'number', int: true, min: 0, default: 1 },
    dataset: {
      type: 'object',
      fields: {
        name: { type: 'string', enum: DATASET_NAMES, default: 'fashion-mnist' },
        dir: { type: 'string', optional: true },
        subset: {
          type: 'object',
          optional: true,
          fields: {
            fraction: { type: 'number', min: 0, max: 1, optional: true },
            count: { type: 'number', int: true, min: 1, optional: true },
            seed: { type: 'number', int: true, min: 0, default: 0 },
          },
        },
      },
    },
    teacher: {
      type: 'object',
      fields: {
        arch,
        checkpoint: { type: 'string', optional: true },
        init,
        seed: { type: 'number', int: true, min: 0, default: 0 },
        epochs: { type: 'number', int: true, min: 1, default: 8 },
        schedule: schedule('paper-epochs'),
      },
    },
    student: { type: 'object', fields: { arch, init, seed: { type: 'number', int: true, min: 0, default: 1 } } },
    methods: { type: 'array', items: { type: 'string', enum: RUN_METHODS }, default: ['none', 'kd', 'ab+kd'], minItems: 1 },
    epochs: {
      type: 'object',
      fields: { e1: { type: 'number', int: true, min: 1, default: 5 }, e2: { type: 'number', int: true, min: 1, default: 25 } },
    },
    ab: {
      type: 'object',
      fields: {
        mu: { type: 'number', min: 0, default: 1 },
        weights: { type: 'array', items: { type: 'number', min: 0 }, default: [3 / 4000, 3 / 2000, 3 / 1000], minItems: 1 },
        teacherBnMode: { type: 'string', enum: ['eval', 'train'], default: 'eval' },
        schedule: schedule('constant'),
        resetOptimizer: { type: 'boolean', default: true },
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
    train: {
      type: 'object',
      fields: {
        batchSize: { type: 'number', int: true, min: 1, default: 128 },
        lr: { type: 'number', min: 0, default: 0.1 },
        momentum: { type: 'number', min: 0, max: 1, default: 0.9 },
        weightDecay: { type: 'number', min: 0, default: 5e-4 },
        nesterov: { type: 'boolean', default: true },
        schedule: schedule('paper-epochs'),
        augment: {
          type: 'object',
          fields: { pad: { type: 'number', int: true, min: 0, default: 4 }, flip: { type: 'boolean', default: false } },
        },
        testEvery: { type: 'number', int: true, min: 1, default: 1 },
      },
    },
  },
};

/** Validates a parsed config object (defaults filled in). */
export function validateRunConfig(raw: unknown): RunConfig {
  const cfg = validate(raw, RUN_SCHEMA) as RunConfig;
  const sub = cfg.dataset.subset;
  if (sub && (sub.fraction === undefined) === (sub.count === undefined)) {
    throw new ConfigError('dataset.subset', `'dataset.subset' needs exactly one of 'fraction' or 'count'`);
  }
  if (cfg.ab.weights.length !== 3) throw new ConfigError('ab.weights', `'ab.weights' needs one weight per tap (3), got ${cfg.ab.weights.length}`);
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
