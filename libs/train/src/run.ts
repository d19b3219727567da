import type { ArtifactStore } from '@abd/artifacts';
import { BatchSource, LocalSourceOptions } from './batch-source';
import { inProcessSource, overlapFromEnv, OverlapSetting } from './in-process-source';
import type { EventSink } from './events';
import { describeData } from './load-configured-dataset';
import { loadRunData, type RunData } from './run-data';
import { planRun } from './run-plan';
import type { RunConfig } from './run-config';
import { classifyEpochsOf, RunMethod, stagesOf } from './run-methods';
import { checkRunConfig, teacherEvaluation, tryGet } from './run-store';
import { countTeacherPasses, TeacherPassCount } from './teacher-passes';
import { teacherCacheBytesFromEnv, TeacherOutputCache } from './teacher-output-cache';
import { runStudentOf, runTeacherOf } from './run-models';
import {
  runClassifyStage,
  runInitStage,
  saveFinalStudent,
  sourceOptionsOf,
  type StageTeacher,
} from './stage-runner';
import { StageIo } from './stage-loop';
import type { TeacherModel } from './teacher-model';

export type { RunData } from './run-data';
export { loadRunData } from './run-data';

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
   * steps (same weights bit for bit), or false for the serial source. Default: see overlapOf.
   */
  overlap?: OverlapSetting;
  /** Adds every image this run puts through its teacher (a sweep sums its runs'). */
  teacherPasses?: TeacherPassCount;
  /** Teacher outputs shared with other runs (a sweep's cells); default one for this run (ABD_TEACHER_CACHE_MB). */
  teacherOutputs?: TeacherOutputCache;
}

/** What a batch-source factory gets: the in-process source's options and where the teacher is. */
export interface BatchSourceArgs {
  cfg: RunConfig;
  options: LocalSourceOptions;
  /** Store directory of the teacher checkpoint (`cfg.teacher.checkpoint`, or `runs/<id>/teacher` when trained). */
  teacherKey: string;
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
  const io: StageIo & { store: ArtifactStore } = {
    store,
    signal: ctx.signal,
    onEvent: ctx.onEvent,
  };
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
  if (ctx.teacherPasses) countTeacherPasses(teacher, ctx.teacherPasses);
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
  const teacherEval = await teacherEvaluation(teacher, d, store, prefix, emit, ctx.teacherOutputs);
  // The KD run computes the teacher anyway; keep its sign maps for the epochs of any stage reading them.
  const signsBelow = cfg.methods.some((m) => stagesOf(m).init?.signals.includes('signs'));
  const sourceOptions: LocalSourceOptions = {
    ...sourceOptionsOf(cfg, d, teacher, signsBelow ? cfg.epochs.e1 : 0),
    outputCache: ctx.teacherOutputs ?? new TeacherOutputCache(teacherCacheBytesFromEnv()),
  };
  const teacherKey = cfg.teacher.checkpoint ?? `${prefix}/teacher`;
  const source = ctx.batchSource
    ? await ctx.batchSource({ cfg, options: sourceOptions, teacherKey })
    : await inProcessSource(sourceOptions, cfg.methods, overlapOf(cfg, d, ctx));
  const results: MethodResult[] = [];
  let cancelled = false;
  try {
    cancelled = await runMethods(cfg, source, d, rt, io, prefix, results);
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

/**
 * Whether the in-process source runs the teacher in its own process: as the context says, else
 * not for a sweep's cell (its teacher outputs are shared through `teacherOutputs`, which a teacher
 * process could not read), else as the environment says (overlapFromEnv: on for runs that put
 * enough images through the teacher to pay for starting a process).
 */
function overlapOf(cfg: RunConfig, d: RunData, ctx: RunContext): OverlapSetting {
  if (ctx.overlap !== undefined) return ctx.overlap;
  if (ctx.teacherOutputs) return false;
  return overlapFromEnv(process.env, d.indices.length * (cfg.epochs.e1 + cfg.epochs.e2));
}

/** Each method not finished before, in order, its result stored; true when cancelled. */
async function runMethods(
  cfg: RunConfig,
  source: BatchSource,
  d: RunData,
  rt: { model: TeacherModel; widths: number[] },
  io: StageIo & { store: ArtifactStore },
  prefix: string,
  results: MethodResult[],
): Promise<boolean> {
  for (const method of cfg.methods) {
    const key = `${prefix}/${method}/result.json`;
    const done = await tryGet<MethodResult>(io.store, key);
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
    if (!r) return true;
    await io.store.putJson(key, r);
    results.push(r);
  }
  return false;
}

/** Trains one student with one method: its stages as its table entry says; null when cancelled. */
async function runMethod(
  cfg: RunConfig,
  method: RunMethod,
  source: BatchSource,
  data: RunData,
  teacher: StageTeacher,
  io: StageIo,
  prefix: string,
): Promise<MethodResult | null> {
  const student = await runStudentOf(cfg, data);
  const args = { cfg, method, student, teacher, source, data, io, prefix };
  const label = `${method} ${cfg.student.arch}`;
  const t0 = performance.now();
  try {
    let similarity: number[] | undefined;
    if (stagesOf(method).init) {
      const r = await runInitStage({ ...args, label });
      if (r.cancelled) return null;
      similarity = r.similarity;
    }
    const r = await runClassifyStage({ ...args, label }, classifyEpochsOf(cfg.epochs, method));
    if (r.cancelled) return null;
    const ev = r.evaluation!;
    await saveFinalStudent(io, prefix, student, { method, testErrorPct: ev.errorPct, config: cfg });
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
