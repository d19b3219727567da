import { parse } from 'yaml';
import { z } from 'zod';
import { datasetInfo, MAX_BATCH_SIZE, MAX_PAD } from '@abd/data';
import { getMethod, MethodParamsError } from '@abd/distill';
import {
  completeDataset,
  DATASET_SCHEMA,
  datasetIssues,
  type DatasetConfig,
} from './dataset-config';
import {
  checkModels,
  type StudentModelKeys,
  type TeacherModelKeys,
  TEACHER_FORMATS,
} from './model-config';
import { DEFAULT_RECIPE, expandRecipe, RECIPE_NAMES, RECIPES, type RecipeName } from './recipes';
import { SCHEDULE_KINDS, ScheduleKind } from './schedule';
import { ConfigError, type ConfigIssue, dropNulls, issuesOf } from './schema';

export const RUN_METHODS = [
  'none',
  'kd',
  'ab+kd',
  'ab+ce',
  'fitnets+kd',
  'at+kd',
  'fsp+kd',
  'jacobian+kd',
] as const;
export type RunMethod = (typeof RUN_METHODS)[number];

/**
 * Parameters of the paper's baselines (each method's JSDoc in @abd/distill says what they mean;
 * absent keys take that method's defaults via its `validate`).
 */
export interface BaselineParams {
  fitnets?: { studentTap?: number; teacherTap?: number; regressorKernel?: number; weight?: number };
  at?: { beta?: number; p?: number; taps?: number[]; form?: 'code' | 'paper' };
  fsp?: { groups?: number[]; weights?: number[] };
  jacobian?: {
    lambda?: number;
    output?: 'teacher-top' | 'label';
    mode?: 'first-order' | 'second-order';
    fdEps?: number;
  };
}

export interface RunConfig extends BaselineParams {
  name: string;
  /** The preset the recipe keys came from (explicit keys override it; docs/design.md §4 (Training recipe and schedules)). */
  recipe: RecipeName;
  seed: number;
  dataset: DatasetConfig;
  teacher: TeacherModelKeys & {
    init: 'paper' | 'torch';
    seed: number;
    epochs: number;
    schedule: ScheduleKind;
  };
  /** `arch`: a WRN (`wrn-10-1`) or a CIFAR ResNet (`resnet-8`, `resnet20`, `resnet8x4`; kaiming init whatever `init` says). */
  student: StudentModelKeys & {
    init: 'paper' | 'torch';
    seed: number;
  };
  methods: RunMethod[];
  epochs: { e1: number; e2: number };
  /** `studentTaps`: 1-based student taps paired with the teacher's, in order (default: the student's last k for a teacher with k taps). */
  ab: {
    mu: number;
    weights: number[];
    teacherBnMode: 'eval' | 'train';
    schedule: ScheduleKind;
    resetOptimizer: boolean;
    studentTaps?: number[];
  };
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

/** A WRN or ResNet name, or a label beside `format`; checkModels checks which (with the dataset's shape). */
const arch = z
  .string()
  .regex(/^\S.{0,127}$/)
  .optional();
/** Names of a model file's tensors / layers. */
const tensorNames = z
  .array(z.string().regex(/^\S.{0,255}$/))
  .min(1)
  .optional();
/**
 * Upper bounds so that every count a job reports fits its uint32 field (total_epochs is
 * e1 + e2) and nothing is accepted that a later stage refuses: 8192 is the
 * boundary-extractor's largest batch.
 */
export const RUN_LIMITS = { epochs: 10_000, batchSize: MAX_BATCH_SIZE, seed: 0xffff_ffff } as const;
const epochsOf = (d: number) => z.number().int().min(1).max(RUN_LIMITS.epochs).default(d);
const seedOf = (d: number) => z.number().int().min(0).max(RUN_LIMITS.seed).default(d);
const init = z.enum(['paper', 'torch']).default('paper').describe('weight initialisation');
const optInt = z.number().int().min(1).optional();
const optNum = z.number().min(0).optional();
const schedule = (d: ScheduleKind) => z.enum(SCHEDULE_KINDS).default(d);
const taps = z.array(z.number().int().min(1)).optional();
/** A section of the config: unknown keys are errors, and an absent section takes its keys' defaults. */
// (`{}` is valid input for every section it is used for: all their keys have defaults.)
const section = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .strict()
    .prefault({} as never);
/** The default recipe's values are the schema's defaults, so the JSON Schema and `abd config keys` show them. */
const R = RECIPES[DEFAULT_RECIPE];

/** The run config schema: the one source of validation, the JSON Schema and the key list (docs/design.md §8 (Configs)). */
export const RUN_SCHEMA = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/)
      .describe('name of the run (the run id, with / as --)'),
    recipe: z
      .enum(RECIPE_NAMES)
      .default(DEFAULT_RECIPE)
      .describe(
        `preset of the recipe keys: ${RECIPE_NAMES.join(' | ')}; explicit keys override it`,
      ),
    seed: seedOf(1).describe('data order and augmentation'),
    dataset: DATASET_SCHEMA,
    // No default for the teacher and student: each needs its arch, so the sections are required.
    teacher: z
      .object({
        arch: arch.describe('teacher WRN, e.g. wrn-16-2 (with format: a label)'),
        checkpoint: z
          .string()
          .optional()
          .describe(
            'trained teacher: a directory (relative to the current directory), builtin:<name> or models/<id> in the store; trained when absent',
          ),
        format: z
          .enum(TEACHER_FORMATS)
          .optional()
          .describe('format of your own teacher file: onnx | tfjs-layers | tfjs-graph'),
        path: z
          .string()
          .optional()
          .describe('your own teacher file (relative to the current directory)'),
        taps: tensorNames.describe(
          "your teacher's pre-activation tensors (abd inspect-model lists them)",
        ),
        layout: z
          .enum(['nchw', 'nhwc'])
          .optional()
          .describe("an ONNX teacher's 4-D layout (default nchw)"),
        logits: z
          .string()
          .regex(/^\S.{0,255}$/)
          .optional()
          .describe('the layer / node / value giving the logits (a model with several outputs)'),
        init,
        seed: seedOf(0),
        epochs: epochsOf(8).describe('CE epochs when the teacher is trained'),
        schedule: schedule(R.teacher.schedule),
      })
      .strict(),
    student: z
      .object({
        arch: arch.describe(
          'student WRN or CIFAR ResNet, e.g. wrn-10-1, resnet-20 (with format: a label)',
        ),
        init,
        seed: seedOf(1),
        format: z
          .enum(['tfjs-layers'])
          .optional()
          .describe('a tfjs LayersModel architecture file as the student'),
        path: z
          .string()
          .optional()
          .describe("the student's model.json (relative to the current directory)"),
        taps: tensorNames.describe("the student's tap layers"),
      })
      .strict(),
    methods: z.array(z.enum(RUN_METHODS)).min(1).default(['none', 'kd', 'ab+kd']),
    epochs: section({
      e1: epochsOf(5).describe('stage 1 (initialisation) epochs'),
      e2: epochsOf(25).describe('stage 2 (classification) epochs'),
    }),
    ab: section({
      mu: z.number().min(0).default(1).describe('margin μ of the AB loss'),
      weights: z
        .array(z.number().min(0))
        .min(1)
        .optional()
        .describe(
          'per-tap weights of the AB loss (default: the published 3/4000, 3/2000, 3/1000, or their last k for k teacher taps)',
        ),
      teacherBnMode: z.enum(['eval', 'train']).default('eval'),
      schedule: schedule(R.ab.schedule),
      resetOptimizer: z
        .boolean()
        .default(R.ab.resetOptimizer)
        .describe('new optimizer at ⌈0.75·E1⌉+1 (the paper code)'),
      studentTaps: z
        .array(z.number().int().min(1))
        .min(1)
        .optional()
        .describe("1-based student taps paired with the teacher's (default: the student's last k)"),
    }),
    kd: section({
      temperature: z.number().min(0.01).default(3),
      t2Factor: z.boolean().default(R.kd.t2Factor).describe('scale the KD term by T²'),
      alpha: z.number().min(0).max(1).default(R.kd.alpha).describe('CE weight: (1−α)·KD + α·CE'),
    }),
    // The baselines' parameters; optional, completed by the method's own validate().
    fitnets: z
      .object({ studentTap: optInt, teacherTap: optInt, regressorKernel: optInt, weight: optNum })
      .strict()
      .optional(),
    at: z
      .object({ beta: optNum, p: optNum, taps, form: z.enum(['code', 'paper']).optional() })
      .strict()
      .optional(),
    fsp: z
      .object({ groups: taps, weights: z.array(z.number().min(0)).optional() })
      .strict()
      .optional(),
    jacobian: z
      .object({
        lambda: optNum,
        output: z.enum(['teacher-top', 'label']).optional(),
        mode: z.enum(['first-order', 'second-order']).optional(),
        fdEps: optNum,
      })
      .strict()
      .optional(),
    train: section({
      batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).default(128),
      lr: z.number().min(0).default(0.1),
      momentum: z.number().min(0).max(1).default(0.9),
      weightDecay: z.number().min(0).default(5e-4),
      nesterov: z.boolean().default(true),
      schedule: schedule(R.train.schedule),
      augment: section({
        pad: z.number().int().min(0).max(MAX_PAD).default(4).describe('reflect-pad + random crop'),
        flip: z.boolean().default(false),
      }),
      testEvery: z.number().int().min(1).default(1).describe('test every N epochs of stage 2'),
    }),
  })
  .strict();

// The hand-written RunConfig (with its comments) is what the schema produces.
type Parsed = z.output<typeof RUN_SCHEMA>;
// (teacher/student arch and ab.weights are optional in the schema; checkModels fills them in.)
type Filled = 'dataset' | 'teacher' | 'student' | 'ab';
const _sameShape = (p: Omit<Parsed, Filled>): Omit<RunConfig, Filled> => p;
void _sameShape;

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
export function baselineParams(
  cfg: BaselineParams,
  name: 'fitnets' | 'at' | 'fsp' | 'jacobian',
): unknown {
  const given = (cfg[name] ?? {}) as Record<string, unknown>;
  let p: Record<string, unknown> = { ...given };
  if (name === 'fitnets') p = { ...BASELINE_RECIPE.fitnets, ...given };
  if (name === 'fsp' && given.weights === undefined) {
    const groups = (given.groups as number[] | undefined) ?? [1, 2, 3];
    p = { ...given, weights: groups.map(() => BASELINE_RECIPE.fspWeight) };
  }
  return getMethod(name).validate(p);
}

const BASELINES = ['fitnets', 'at', 'fsp', 'jacobian'] as const;

/** The rules between keys, for every section that passed the schema (so all problems show at once). */
function crossIssues(parts: Partial<Record<keyof Parsed, unknown>>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const dataIssues = parts.dataset ? datasetIssues(parts.dataset as DatasetConfig) : [];
  out.push(...dataIssues);
  if (
    parts.dataset &&
    dataIssues.length === 0 &&
    parts.teacher &&
    parts.student &&
    parts.methods &&
    parts.ab
  ) {
    // A format + path dataset's channels and classes are known only once it is read; its archs
    // get the shape checks then, here only the names and sizes.
    const d = parts.dataset as DatasetConfig;
    const info = d.format ? { channels: 1, classes: 2 } : datasetInfo(d.name ?? 'fashion-mnist');
    try {
      checkModels(parts as unknown as RunConfig, info.channels, info.classes);
    } catch (e) {
      if (e instanceof ConfigError) out.push(...e.issues);
      else throw e;
    }
  }
  for (const name of BASELINES) {
    if (!(name in parts)) continue;
    try {
      baselineParams(parts as BaselineParams, name);
    } catch (e) {
      if (e instanceof MethodParamsError)
        out.push({ path: `${name}.${e.key ?? ''}`, message: `'${name}': ${e.message}` });
      else throw e;
    }
  }
  return out;
}

/**
 * Validates a parsed config object: its recipe expanded, defaults filled in. Throws one
 * ConfigError listing every problem, each with its key and, for a near miss, a suggestion.
 */
export function validateRunConfig(raw: unknown): RunConfig {
  const input = expandRecipe(dropNulls(raw));
  const r = RUN_SCHEMA.safeParse(input, { reportInput: true });
  const parts: Partial<Record<keyof Parsed, unknown>> = {};
  let issues: ConfigIssue[] = [];
  if (r.success) Object.assign(parts, r.data);
  else {
    issues = issuesOf(r.error, RUN_SCHEMA);
    // Sections that are valid on their own still get their cross-key checks.
    const tree = (typeof input === 'object' && input !== null ? input : {}) as Record<
      string,
      unknown
    >;
    for (const [k, s] of Object.entries(RUN_SCHEMA.shape)) {
      const p = (s as z.ZodType).safeParse(tree[k]);
      if (p.success && p.data !== undefined) parts[k as keyof Parsed] = p.data;
    }
  }
  issues.push(...crossIssues(parts));
  if (issues.length > 0) throw new ConfigError(issues);
  const cfg = r.data as unknown as RunConfig;
  cfg.dataset = completeDataset(cfg.dataset);
  // Key order as when the schema filled the weights in (a stored config.json keeps it).
  const { mu, weights, teacherBnMode, schedule, resetOptimizer, studentTaps } = cfg.ab;
  cfg.ab = {
    mu,
    weights,
    teacherBnMode,
    schedule,
    resetOptimizer,
    ...(studentTaps ? { studentTaps } : {}),
  };
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
    if (e instanceof ConfigError)
      throw new ConfigError(e.issues, undefined, source === 'config' ? undefined : source);
    throw e;
  }
}
