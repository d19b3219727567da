import { Wrn } from '@abd/models';
import { BatchSource, LocalBatchSource, LocalSourceOptions } from './batch-source';
import { OverlappedBatchSource } from './overlapped-batch-source';
import type { RunMethod } from './run-config';
import type { TeacherProcessOptions } from './teacher-process';

/** Whether the in-process pipeline runs the teacher in its own process, overlapped with the student. */
export type OverlapSetting = false | TeacherProcessOptions;

const positive = (v: string | undefined): number | undefined => {
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * The overlap setting from the environment: ABD_TEACHER_OVERLAP=0 turns it off (=1 on, the
 * default), ABD_TEACHER_WINDOW the batches the teacher may run ahead (default 2),
 * ABD_TEACHER_THREADS the teacher process's native threads (default: as this process).
 */
export function overlapFromEnv(env: NodeJS.ProcessEnv = process.env): OverlapSetting {
  const on = env.ABD_TEACHER_OVERLAP ?? '1';
  if (on !== '0' && on !== '1') throw new Error(`ABD_TEACHER_OVERLAP must be 0 or 1, got '${on}'`);
  if (on === '0') return false;
  for (const k of ['ABD_TEACHER_WINDOW', 'ABD_TEACHER_THREADS'])
    if (env[k] !== undefined && positive(env[k]) === undefined)
      throw new Error(`${k} must be a positive integer, got '${env[k]}'`);
  return { window: positive(env.ABD_TEACHER_WINDOW), threads: positive(env.ABD_TEACHER_THREADS) };
}

/** Methods whose students read teacher outputs (logits or sign maps) from the batch source. */
export function readsTeacherOutputs(methods: readonly RunMethod[]): boolean {
  return methods.some((m) => m === 'kd' || m.endsWith('+kd') || m.startsWith('ab+'));
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
