import { ArtifactStore, NotFoundError } from '@abd/artifacts';
import { evaluate, Evaluation } from './evaluate';
import type { EventSink } from './events';
import { evaluateForeignTeacher } from './foreign-run-teacher';
import type { RunConfig } from './run-config';
import type { RunData } from './run-data';
import { isForeignTeacher, TeacherModel } from './teacher-model';
import { teacherEvaluationKey } from './local-output-key';
import type { TeacherOutputCache } from './teacher-output-cache';

/** What a run keeps in the store besides its checkpoints: the config it started with, the teacher's evaluation. */

/**
 * A run keeps the config it was started with (`runs/<id>/config.json`). Resuming it, or showing
 * its finished results, under another config would mix two experiments, so that is an error
 * naming the fields that differ. True when the run was started before.
 */
export async function checkRunConfig(
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
export async function teacherEvaluation(
  teacher: TeacherModel,
  d: RunData,
  store: ArtifactStore,
  prefix: string,
  emit: EventSink,
  shared?: TeacherOutputCache,
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
  const compute = async () =>
    isForeignTeacher(teacher)
      ? await evaluateForeignTeacher(teacher, d.test, d.stats)
      : evaluate(teacher, d.test, d.stats);
  // A sweep's cells share one teacher: its evaluation is computed once (batch 500 is evaluate's).
  const ev = shared
    ? await shared.remember(teacherEvaluationKey(teacher, d.test, d.stats, 500), compute)
    : await compute();
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

/** A JSON document of the store, or null when it is absent. */
export async function tryGet<T>(store: ArtifactStore, key: string): Promise<T | null> {
  try {
    return await store.getJson<T>(key);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}
