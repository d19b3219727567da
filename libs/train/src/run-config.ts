import { parse } from 'yaml';
import { z } from 'zod';
import { datasetInfo } from '@abd/data';
import { baselineIssues, type BaselineParams } from './baseline-params';
import { completeDataset, datasetIssues, type DatasetConfig } from './dataset-config';
import { checkModels, type StudentModelKeys, type TeacherModelKeys } from './model-config';
import { expandRecipe, type RecipeName } from './recipes';
import type { RunMethod } from './run-methods';
import { RUN_SCHEMA } from './run-schema';
import type { ScheduleKind } from './schedule';
import { ConfigError, type ConfigIssue, dropNulls, issuesOf } from './schema';

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

// The hand-written RunConfig (with its comments) is what the schema produces.
type Parsed = z.output<typeof RUN_SCHEMA>;
// (teacher/student arch and ab.weights are optional in the schema; checkModels fills them in.)
type Filled = 'dataset' | 'teacher' | 'student' | 'ab';
const _sameShape = (p: Omit<Parsed, Filled>): Omit<RunConfig, Filled> => p;
void _sameShape;

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
  out.push(...baselineIssues(parts));
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
