import { Connectors, Student, Wrn } from '@abd/models';
import { trainAbInit } from './ab-stage';
import { baselineParams } from './baseline-params';
import type { LocalSourceOptions } from './batch-source';
import { BatchSource } from './batch-source';
import { putCheckpoint } from './checkpoints';
import { trainClassifier } from './classify-stage';
import { curveTestSet } from './curve-test';
import { evaluate, Evaluation } from './evaluate';
import type { AbEpochMetrics, EventSink } from './events';
import { FeatureAdapter, FeatureInitOptions, trainFeatureInit } from './feature-stage';
import { atTerm, jacobianTerm, JointTerm } from './joint-terms';
import { pairedStudentTaps } from './model-config';
import type { SgdOptions } from './optimizer';
import type { RunData } from './run-data';
import type { RunConfig } from './run-config';
import { epochRequestOf, InitPart, JointPart, RunMethod, stagesOf } from './run-methods';
import { tryGet } from './run-store';
import { StageIo } from './stage-loop';
import type { TeacherModel } from './teacher-model';

/**
 * The stages of one method's student, as `abd run` (runPipeline) and the student-trainer's stage
 * jobs both run them: which stages and loss terms come from the method's table entry
 * (run-methods.ts), the recipe from the config.
 */

/** The teacher as the stages see it: the model and its taps' channels (for connectors). */
export interface StageTeacher {
  model: TeacherModel;
  widths: number[];
}

/** What every stage of a method takes. */
export interface StageArgs {
  cfg: RunConfig;
  method: RunMethod;
  student: Student;
  teacher?: StageTeacher;
  source: BatchSource;
  data: RunData;
  io: StageIo;
  /** Store directory of the method's student; each stage checkpoints in a directory below it. */
  prefix: string;
  /** Names the stage in events, e.g. `ab+kd wrn-10-1`. */
  label: string;
}

/** The run's SGD: the same optimizer for every stage (a stage may set its own lr). */
export function sgdOf(cfg: RunConfig): SgdOptions {
  const t = cfg.train;
  return { lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay, nesterov: t.nesterov };
}

/** The in-process batch source's options of a run: its data, batch recipe and teacher. */
export function sourceOptionsOf(
  cfg: RunConfig,
  d: RunData,
  teacher: TeacherModel | undefined,
  keepSignsBelowEpoch?: number,
): LocalSourceOptions {
  return {
    set: d.train,
    indices: d.indices,
    stats: d.stats,
    batchSize: cfg.train.batchSize,
    seed: cfg.seed,
    augment: cfg.train.augment,
    teacher,
    teacherBnMode: cfg.ab.teacherBnMode,
    ...(keepSignsBelowEpoch === undefined ? {} : { keepSignsBelowEpoch }),
  };
}

export interface InitStageResult {
  cancelled: boolean;
  /** Per-tap activation similarity after an AB stage (0..1). */
  similarity?: number[];
}

/** The init stages' common recipe (cfg.ab's) and the teacher's BN mode. */
type InitRecipe = FeatureInitOptions;
type InitRunner = (a: StageArgs, t: StageTeacher, o: InitRecipe) => Promise<InitStageResult>;

/** Connector seeds sit this far from the student's, so connectors and student draw apart. */
const CONNECTOR_SEED_OFFSET = 7919;

/** The baselines need a WRN on both sides (checkModels refuses them otherwise). */
function wrns(a: StageArgs, t: TeacherModel | undefined): { student: Wrn; teacher: Wrn } {
  if (!(a.student instanceof Wrn) || !(t instanceof Wrn))
    throw new Error(`${a.method} needs a WRN teacher and student`);
  return { student: a.student, teacher: t };
}

const INIT_STAGES: Record<InitPart, InitRunner> = {
  ab: async (a, t, o) => {
    const { cfg, student, io } = a;
    // The teacher's k taps pair with k student taps (model-config.ts, checkModels); all three when built-in.
    const paired = pairedStudentTaps(cfg, t.model, t.widths.length);
    const widths = paired ? paired.map((i) => student.tapWidths[i]) : student.tapWidths;
    const conns = new Connectors(
      widths,
      t.widths,
      cfg.student.init,
      cfg.student.seed + CONNECTOR_SEED_OFFSET,
    );
    let last: AbEpochMetrics | undefined;
    const onEvent: EventSink = (e) => {
      if (e.type === 'epoch' && e.ab) last = e.ab;
      io.onEvent?.(e);
    };
    const dir = `${a.prefix}/ab-init`;
    const r = await trainAbInit(
      student,
      conns,
      a.source,
      { ...o, mu: cfg.ab.mu, weights: cfg.ab.weights, studentTaps: paired },
      { ...io, onEvent, prefix: dir },
    ).finally(() => conns.dispose());
    if (r.cancelled) return { cancelled: true };
    // A resumed stage that had finished reports no epoch; its similarity is in the store.
    const similarity =
      last?.similarity ??
      (io.store && (await tryGet<{ similarity: number[] }>(io.store, `${dir}/similarity.json`)))
        ?.similarity;
    if (last) await io.store?.putJson(`${dir}/similarity.json`, { similarity: last.similarity });
    return { cancelled: false, similarity };
  },
  fitnets: (a, t, o) => featureInit('fitnets', a, t, o),
  fsp: (a, t, o) => featureInit('fsp', a, t, o),
};

async function featureInit(
  name: 'fitnets' | 'fsp',
  a: StageArgs,
  t: StageTeacher,
  o: InitRecipe,
): Promise<InitStageResult> {
  const { cfg } = a;
  const { student, teacher } = wrns(a, t.model);
  const seed = cfg.student.seed + CONNECTOR_SEED_OFFSET;
  const adapter = new FeatureAdapter(
    name,
    baselineParams(cfg, name),
    student,
    teacher,
    cfg.student.init,
    seed,
  );
  try {
    const r = await trainFeatureInit(student, adapter, a.source, o, {
      ...a.io,
      prefix: `${a.prefix}/feature-init`,
    });
    return { cancelled: r.cancelled };
  } finally {
    adapter.dispose();
  }
}

/**
 * Stage 1 of a method with one (AB, or a feature baseline's init): E₁ epochs on the init
 * method's loss alone, at the config's `ab` recipe. `lr`: the stage's own lr (an ab_init job's).
 */
export async function runInitStage(a: StageArgs, lr?: number): Promise<InitStageResult> {
  const init = stagesOf(a.method).init;
  if (!init) throw new Error(`${a.method} has no initialisation stage`);
  if (!a.teacher) throw new Error(`${a.label}: the initialisation stage needs the teacher`);
  const { cfg } = a;
  const sgd = sgdOf(cfg);
  return INIT_STAGES[init.part](a, a.teacher, {
    label: a.label,
    epochs: cfg.epochs.e1,
    sgd: lr === undefined ? sgd : { ...sgd, lr },
    schedule: cfg.ab.schedule,
    resetOptimizer: cfg.ab.resetOptimizer,
    request: epochRequestOf(init.signals),
  });
}

const JOINT_TERMS: Record<JointPart, (a: StageArgs) => JointTerm> = {
  // AT's teacher maps come with the batches (EpochRequest.features); its params say which.
  at: (a) => atTerm(baselineParams(a.cfg, 'at')),
  jacobian: (a) => {
    const { student, teacher } = wrns(a, a.teacher?.model);
    return jacobianTerm(student, teacher, baselineParams(a.cfg, 'jacobian'));
  },
};

export interface ClassifyStageResult {
  cancelled: boolean;
  /** The student's test evaluation after the stage (absent when cancelled). */
  evaluation?: Evaluation;
}

/**
 * Stage 2: classification with CE or KD (the method's 'logits' part) plus its joint term (AT,
 * Jacobian), at the config's `train` recipe, testing every `train.testEvery` epochs.
 */
export async function runClassifyStage(
  a: StageArgs,
  epochs: { epochs: number; dataEpochOffset: number },
): Promise<ClassifyStageResult> {
  const c = stagesOf(a.method).classify;
  const { cfg, data: d } = a;
  const r = await trainClassifier(
    a.student,
    a.source,
    {
      label: a.label,
      epochs: epochs.epochs,
      dataEpochOffset: epochs.dataEpochOffset,
      sgd: sgdOf(cfg),
      schedule: cfg.train.schedule,
      kd: c.kd ? cfg.kd : undefined,
      test: { set: d.test, every: cfg.train.testEvery, curve: curveTestSet(d.test) },
      joint: c.joint && JOINT_TERMS[c.joint](a),
      request: epochRequestOf(c.signals),
    },
    { ...a.io, prefix: `${a.prefix}/classify` },
  );
  if (r.cancelled) return { cancelled: true };
  return { cancelled: false, evaluation: r.lastEval ?? evaluate(a.student, d.test, d.stats) };
}

/** The trained student at `<prefix>/final` (the method's result), with what made it. */
export async function saveFinalStudent(
  io: StageIo,
  prefix: string,
  student: Student,
  metadata: Record<string, unknown>,
): Promise<void> {
  if (io.store)
    await putCheckpoint(io.store, `${prefix}/final`, student, { role: 'student', ...metadata });
}
