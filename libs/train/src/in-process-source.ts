import { Wrn } from '@abd/models';
import { BatchSource, LocalBatchSource, LocalSourceOptions } from './batch-source';
import { OverlappedBatchSource } from './overlapped-batch-source';
import { stagesOf, type RunMethod } from './run-methods';
import type { TeacherProcessOptions } from './teacher-process';

/** Whether the in-process pipeline runs the teacher in its own process, overlapped with the student. */
export type OverlapSetting = false | TeacherProcessOptions;

const positive = (v: string | undefined): number | undefined => {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * Images a run puts through its teacher below which a teacher process does not pay: starting
 * one (a second backend, the data and the teacher's weights sent over) takes seconds, as long as
 * a few thousand teacher images take here.
 */
export const OVERLAP_MIN_TEACHER_IMAGES = 20_000;

/**
 * The overlap setting from the environment: ABD_TEACHER_OVERLAP=0 turns it off, =1 on; unset,
 * it is on when the run puts at least OVERLAP_MIN_TEACHER_IMAGES images through the teacher
 * (`teacherImages`: training images × epochs; unknown = on). ABD_TEACHER_WINDOW: the batches the
 * teacher may run ahead (default 2); ABD_TEACHER_THREADS: the teacher process's native threads
 * (default: as this process).
 */
export function overlapFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  teacherImages?: number,
): OverlapSetting {
  const on = env.ABD_TEACHER_OVERLAP ?? '';
  if (on !== '' && on !== '0' && on !== '1')
    throw new Error(`ABD_TEACHER_OVERLAP must be 0 or 1, got '${on}'`);
  for (const k of ['ABD_TEACHER_WINDOW', 'ABD_TEACHER_THREADS'])
    if (env[k] !== undefined && positive(env[k]) === undefined)
      throw new Error(`${k} must be a positive integer, got '${env[k]}'`);
  if (on === '0') return false;
  if (on === '' && teacherImages !== undefined && teacherImages < OVERLAP_MIN_TEACHER_IMAGES)
    return false;
  return { window: positive(env.ABD_TEACHER_WINDOW), threads: positive(env.ABD_TEACHER_THREADS) };
}

/** Methods whose stages read teacher outputs (logits or sign maps) from the batch source. */
export function readsTeacherOutputs(methods: readonly RunMethod[]): boolean {
  return methods.some((m) => {
    const st = stagesOf(m);
    return [...(st.init?.signals ?? []), ...st.classify.signals].some(
      (x) => x === 'signs' || x === 'logits',
    );
  });
}

/**
 * The in-process pipeline's batch source: overlapped with a teacher process when asked, when the
 * teacher is one of our WRNs (a foreign teacher's runtime stays in this process) and when some
 * method reads teacher outputs; else the serial LocalBatchSource.
 */
export async function inProcessSource(
  o: LocalSourceOptions,
  methods: readonly RunMethod[],
  overlap: OverlapSetting,
): Promise<BatchSource & { close?: () => Promise<void> }> {
  if (overlap === false || !(o.teacher instanceof Wrn) || !readsTeacherOutputs(methods))
    return new LocalBatchSource(o);
  return OverlappedBatchSource.start(o, overlap);
}
