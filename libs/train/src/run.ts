import { ArtifactStore, NotFoundError } from '@abd/artifacts';
import { channelStats, ImageSet, subsetIndices } from '@abd/data';
import { describeData, loadConfiguredDataset } from './load-configured-dataset';
import { Connectors, Wrn } from '@abd/models';
import { trainAbInit } from './ab-stage';
import { BatchSource, LocalSourceOptions } from './batch-source';
import { putCheckpoint } from './checkpoints';
import { trainClassifier } from './classify-stage';
import { curveTestSet } from './curve-test';
import { FeatureAdapter, trainFeatureInit } from './feature-stage';
import { atTerm, jacobianTerm, JointTerm } from './joint-terms';
import { evaluate, Evaluation } from './evaluate';
import { AbEpochMetrics, EventSink } from './events';
import { planRun } from './run-plan';
import { baselineParams, RunConfig, RunMethod } from './run-config';
import { AtParams, FitnetsParams, FspParams, JacobianParams } from '@abd/distill';
import { StageIo } from './stage-loop';
import { evaluateForeignTeacher } from './foreign-run-teacher';
import { runStudentOf, runTeacherOf } from './run-models';
import { studentTapsOf } from './model-config';
import { isForeignTeacher, TeacherModel } from './teacher-model';
import { inProcessSource, overlapFromEnv, OverlapSetting } from './in-process-source';

export interface MethodResult {
  method: RunMethod;
  errorPct: number;
  testLoss: number;
  correct: number;
  total: number;
  /** Per-tap activation similarity after the AB stage (0..1), for ab+* methods. */
  similarity?: number[];
  seconds: number;
  confusion: number[][];
}

export interface RunResult {
  runId: string;
  config: RunConfig;
  teacher: { arch: string; errorPct: number; source: string };
  trainSize: number;
  results: MethodResult[];
  cancelled: boolean;
}

export interface RunContext {
  store: ArtifactStore;
  runId: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Directory that relative teacher checkpoint paths are resolved against. */
  baseDir?: string;
  /**
   * Where the students' batches come from; default an in-process LocalBatchSource over
   * `options`. The distributed path passes a RemoteBatchSource (boundary-extractor stream).
   */
  batchSource?: (args: BatchSourceArgs) => BatchSource | Promise<BatchSource>;
  /**
   * The in-process source only: the teacher in its own process, overlapped with the student's
   * steps (same weights bit for bit), or false for the serial source. Default from the env
   * (ABD_TEACHER_OVERLAP, ABD_TEACHER_WINDOW, ABD_TEACHER_THREADS; on unless set to 0).
   */
  overlap?: OverlapSetting;
}

/** What a batch-source factory gets: the in-process source's options and where the teacher is. */
export interface BatchSourceArgs {
  cfg: RunConfig;
  options: LocalSourceOptions;
  /** Store directory of the teacher checkpoint (`cfg.teacher.checkpoint`, or `runs/<id>/teacher` when trained). */
  teacherKey: string;
}

/** Loaded data shared by every stage of a run. */
export interface RunData {
  train: ImageSet;
  test: ImageSet;
  stats: ReturnType<typeof channelStats>;
  indices: Int32Array;
}

export async function loadRunData(cfg: RunConfig): Promise<RunData> {
  const { train, test, stats } = await loadConfiguredDataset(cfg.dataset);
  return { train, test, stats, indices: subsetIndices(train, cfg.dataset.subset) };
}

/**
 * The whole pipeline in one process: teacher (loaded or trained) → for each method, a student
 * from the same seed: [AB init] → classification (CE or KD) → evaluation → report in the store.
 * Every stage checkpoints under `runs/<id>/…` and a rerun resumes where it stopped.
 */
export async function runPipeline(
  cfg: RunConfig,
  ctx: RunContext,
  data?: RunData,
): Promise<RunResult> {
  const { store, runId } = ctx;
  const emit: EventSink = (e) => ctx.onEvent?.(e);
  const io: StageIo = { store, signal: ctx.signal, onEvent: ctx.onEvent };
  const prefix = `runs/${runId}`;
  // Checked before any work, so another config costs nothing; written only once the data loads.
  const started = await checkRunConfig(store, prefix, runId, cfg);
  // A finished run is shown from the store: no data loading, no teacher evaluation.
  if (started) {
    const stored = await tryGet<RunResult>(store, `${prefix}/result.json`);
    if (stored && !stored.cancelled) return stored;
  }
  if (!data)
    emit({
      type: 'phase',
      phase: 'load-data',
      label: cfg.dataset.name,
      text: `loading ${cfg.dataset.name}`,
    });
  const d = data ?? (await loadRunData(cfg));
  if (!started) await store.putJson(`${prefix}/config.json`, JSON.parse(JSON.stringify(cfg)));
  if (!(await store.exists(`${prefix}/data.json`)))
    await store.putJson(`${prefix}/data.json`, describeData(d));
  const finished = new Set<RunMethod>();
  for (const m of cfg.methods)
    if (await store.exists(`${prefix}/${m}/result.json`)) finished.add(m);
  emit({
    type: 'plan',
    stages: planRun(cfg, { teacherImages: d.train.n, studentImages: d.indices.length }, finished),
  });
  const rt = await runTeacherOf(cfg, d, store, prefix, io, ctx.baseDir);
  const { model: teacher, source: teacherSource } = rt;
  if (rt.cancelled) {
    teacher.dispose();
    return {
      runId,
      config: cfg,
      teacher: { arch: cfg.teacher.arch, errorPct: NaN, source: teacherSource },
      trainSize: d.indices.length,
      results: [],
      cancelled: true,
    };
  }
  const teacherEval = await teacherEvaluation(teacher, d, store, prefix, emit);
  const sourceOptions: LocalSourceOptions = {
    set: d.train,
    indices: d.indices,
    stats: d.stats,
    batchSize: cfg.train.batchSize,
    seed: cfg.seed,
    augment: cfg.train.augment,
    teacher,
    teacherBnMode: cfg.ab.teacherBnMode,
    // The KD run computes the teacher anyway; keep its sign maps for the AB stage's epochs.
    keepSignsBelowEpoch: cfg.methods.some((m) => m.startsWith('ab+')) ? cfg.epochs.e1 : 0,
  };
  const teacherKey = cfg.teacher.checkpoint ?? `${prefix}/teacher`;
  const source = ctx.batchSource
    ? await ctx.batchSource({ cfg, options: sourceOptions, teacherKey })
    : await inProcessSource(sourceOptions, cfg.methods, ctx.overlap ?? overlapFromEnv());
  const results: MethodResult[] = [];
  let cancelled = false;
  try {
    cancelled = await runMethods(cfg, source, d, rt, { ...io, store }, prefix, results);
  } finally {
    await (source as { close?: () => Promise<void> }).close?.();
  }
  teacher.dispose();
  const result: RunResult = {
    runId,
    config: cfg,
    teacher: { arch: cfg.teacher.arch, errorPct: teacherEval.errorPct, source: teacherSource },
    trainSize: d.indices.length,
    results,
    cancelled,
  };
  if (!cancelled) await store.putJson(`${prefix}/result.json`, result);
  return result;
}

/** Each method not finished before, in order; true when cancelled. */
async function runMethods(
  cfg: RunConfig,
  source: BatchSource,
  d: RunData,
  rt: { model: TeacherModel; widths: number[] },
  io: StageIo & { store: ArtifactStore },
  prefix: string,
  results: MethodResult[],
): Promise<boolean> {
  const { store } = io;
  for (const method of cfg.methods) {
    const key = `${prefix}/${method}/result.json`;
    const done = await tryGet<MethodResult>(store, key);
    if (done) {
      results.push(done);
      continue;
    }
    const r = await runMethod(
      cfg,
      method,
      source,
      d,
      { model: rt.model, widths: rt.widths },
      { ...io },
      `${prefix}/${method}`,
    );
    if (!r) {
      return true;
    }
    await store.putJson(key, r);
    results.push(r);
  }
  return false;
}

/** Trains one student with one method; null when cancelled. */
async function runMethod(
  cfg: RunConfig,
  method: RunMethod,
  source: BatchSource,
  d: RunData,
  t: { model: TeacherModel; widths: number[] },
  io: StageIo,
  prefix: string,
): Promise<MethodResult | null> {
  const student = await runStudentOf(cfg, d);
  // The baselines need a WRN on both sides (checkModels refuses them otherwise).
  const wrns = (): { student: Wrn; teacher: Wrn } => {
    if (!(student instanceof Wrn) || !(t.model instanceof Wrn))
      throw new Error(`${method} needs a WRN teacher and student`);
    return { student, teacher: t.model };
  };
  const sgd = {
    lr: cfg.train.lr,
    momentum: cfg.train.momentum,
    weightDecay: cfg.train.weightDecay,
    nesterov: cfg.train.nesterov,
  };
  const { e1, e2 } = cfg.epochs;
  const label = `${method} ${cfg.student.arch}`;
  // What both initialisation stages (AB, the feature baselines) take from the config.
  const initStage = {
    label,
    epochs: e1,
    sgd,
    schedule: cfg.ab.schedule,
    resetOptimizer: cfg.ab.resetOptimizer,
  };
  const test = { set: d.test, every: cfg.train.testEvery, curve: curveTestSet(d.test) };
  const t0 = performance.now();
  let similarity: number[] | undefined;
  try {
    if (method === 'ab+kd' || method === 'ab+ce') {
      // The teacher's k taps pair with k student taps (model-config.ts, checkModels); all three when built-in.
      const paired =
        cfg.ab.studentTaps || isForeignTeacher(t.model) || cfg.student.format
          ? studentTapsOf(cfg, t.widths.length)
          : undefined;
      const widths = paired ? paired.map((i) => student.tapWidths[i]) : student.tapWidths;
      const conns = new Connectors(widths, t.widths, cfg.student.init, cfg.student.seed + 7919);
      let last: AbEpochMetrics | undefined;
      const onEvent: typeof io.onEvent = (e) => {
        if (e.type === 'epoch' && e.ab) last = e.ab;
        io.onEvent?.(e);
      };
      const r = await trainAbInit(
        student,
        conns,
        source,
        { ...initStage, mu: cfg.ab.mu, weights: cfg.ab.weights, studentTaps: paired },
        { ...io, onEvent, prefix: `${prefix}/ab-init` },
      );
      conns.dispose();
      if (r.cancelled) return null;
      similarity =
        last?.similarity ??
        (await tryGet<{ similarity: number[] }>(io.store!, `${prefix}/ab-init/similarity.json`))
          ?.similarity;
      if (last)
        await io.store?.putJson(`${prefix}/ab-init/similarity.json`, {
          similarity: last.similarity,
        });
    } else if (method === 'fitnets+kd' || method === 'fsp+kd') {
      const name = method === 'fitnets+kd' ? 'fitnets' : 'fsp';
      const params = baselineParams(cfg, name) as FitnetsParams | FspParams;
      const { student: s, teacher } = wrns();
      const adapter = new FeatureAdapter(
        name,
        params,
        s,
        teacher,
        cfg.student.init,
        cfg.student.seed + 7919,
      );
      try {
        const r = await trainFeatureInit(
          s,
          teacher,
          adapter,
          source,
          { ...initStage, teacherBnMode: cfg.ab.teacherBnMode },
          { ...io, prefix: `${prefix}/feature-init` },
        );
        if (r.cancelled) return null;
      } finally {
        adapter.dispose();
      }
    }
    const kd = method === 'kd' || method.endsWith('+kd') ? cfg.kd : undefined;
    const staged = hasInitStage(method);
    let joint: JointTerm | undefined;
    if (method === 'at+kd')
      joint = atTerm(wrns().teacher, baselineParams(cfg, 'at') as AtParams, cfg.ab.teacherBnMode);
    if (method === 'jacobian+kd')
      joint = jacobianTerm(
        wrns().student,
        wrns().teacher,
        baselineParams(cfg, 'jacobian') as JacobianParams,
      );
    const r = await trainClassifier(
      student,
      source,
      {
        label,
        epochs: staged ? e2 : e1 + e2,
        dataEpochOffset: staged ? e1 : 0,
        sgd,
        schedule: cfg.train.schedule,
        kd,
        test,
        joint,
      },
      { ...io, prefix: `${prefix}/classify` },
    );
    if (r.cancelled) return null;
    const ev: Evaluation = r.lastEval ?? evaluate(student, d.test, d.stats);
    if (io.store)
      await putCheckpoint(io.store, `${prefix}/final`, student, {
        role: 'student',
        method,
        testErrorPct: ev.errorPct,
        config: cfg,
      });
    return {
      method,
      errorPct: ev.errorPct,
      testLoss: ev.loss,
      correct: ev.correct,
      total: ev.total,
      similarity,
      seconds: (performance.now() - t0) / 1000,
      confusion: ev.confusion,
    };
  } finally {
    student.dispose();
  }
}

/** Methods with a stage 1 of E₁ epochs before E₂ of classification; the others classify for E₁ + E₂. */
export function hasInitStage(method: RunMethod): boolean {
  return method === 'ab+kd' || method === 'ab+ce' || method === 'fitnets+kd' || method === 'fsp+kd';
}

/**
 * A run keeps the config it was started with (`runs/<id>/config.json`). Resuming it, or showing
 * its finished results, under another config would mix two experiments, so that is an error
 * naming the fields that differ. True when the run was started before.
 */
async function checkRunConfig(
  store: ArtifactStore,
  prefix: string,
  runId: string,
  cfg: RunConfig,
): Promise<boolean> {
  const now = JSON.parse(JSON.stringify(cfg)) as unknown;
  const before = await tryGet<unknown>(store, `${prefix}/config.json`);
  if (before === null) return false;
  const diff = configDiff(before, now);
  if (diff.length > 0) {
    throw new Error(
      `run ${runId} was started with another config (${describeDiff(diff)} differ); start it over with --fresh, or give this config another run id`,
    );
  }
  return true;
}

/**
 * The teacher's test error, evaluated once per run and kept at `runs/<id>/teacher-eval.json`, so
 * that resuming a run does not evaluate the teacher again.
 */
async function teacherEvaluation(
  teacher: TeacherModel,
  d: RunData,
  store: ArtifactStore,
  prefix: string,
  emit: EventSink,
): Promise<Evaluation> {
  const key = `${prefix}/teacher-eval.json`;
  const kept = await tryGet<Evaluation>(store, key);
  if (kept) return kept;
  emit({
    type: 'phase',
    phase: 'eval-teacher',
    label: 'teacher',
    text: `evaluating the teacher on ${d.test.n} test images`,
  });
  // Let the phase reach a terminal before the synchronous evaluation holds the event loop.
  await new Promise((r) => setImmediate(r));
  const ev = isForeignTeacher(teacher)
    ? await evaluateForeignTeacher(teacher, d.test, d.stats)
    : evaluate(teacher, d.test, d.stats);
  await store.putJson(key, ev);
  return ev;
}

/** The first few paths of a configDiff for a message: `a, b, c, d and 2 more`. */
export function describeDiff(diff: string[]): string {
  return diff.slice(0, 4).join(', ') + (diff.length > 4 ? ` and ${diff.length - 4} more` : '');
}

/** Paths of the leaves where two JSON values differ, e.g. `epochs.e1`. */
export function configDiff(a: unknown, b: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    // Configs stored before recipes existed have no `recipe`; the keys it expands to are compared.
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .filter((k) => path !== '' || k !== 'recipe' || (k in a && k in b));
    return keys.flatMap((k) => configDiff(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(config)'];
}

async function tryGet<T>(store: ArtifactStore, key: string): Promise<T | null> {
  try {
    return await store.getJson<T>(key);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}
