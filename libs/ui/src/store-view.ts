import { ArtifactStore, NotFoundError, ObjectInfo } from '@abd/artifacts';
import type { EpochEvent, RunConfig, RunResult } from '@abd/train';
import { RunProgress, runProgress } from './progress';

/** Run and job ids as `abd run` and the student-trainer make them; nothing path-like. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A run seen as 'running' when something under it changed this recently. */
export const LIVE_SECONDS = 120;

export type RunStatus = 'done' | 'running' | 'stopped' | 'queued' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  state: string;
  stage?: string;
  epoch?: number;
  totalEpochs?: number;
  error?: string;
  createdMs?: number;
  updatedMs?: number;
  metrics?: Record<string, number>;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  result?: RunResult;
  config?: RunConfig;
  job?: JobInfo;
  /** Method directories found in the store (in config order when the config is known). */
  methods: string[];
  /** Where an unfinished run stands (epochs done, the current stage, an ETA). */
  progress?: RunProgress;
  objects: ObjectInfo[];
  started: Date;
  updated: Date;
}

export async function tryJson<T>(store: ArtifactStore, key: string): Promise<T | undefined> {
  try {
    return await store.getJson<T>(key);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/** Every job under jobs/<id>/job.json, state as a lower-case word ('running', 'succeeded', …). */
export async function listJobs(store: ArtifactStore): Promise<JobInfo[]> {
  const jobs: JobInfo[] = [];
  for (const o of await store.list('jobs/')) {
    const m = /^jobs\/([^/]+)\/job\.json$/.exec(o.key);
    if (!m || !ID_PATTERN.test(m[1])) continue;
    const j = await tryJson<Record<string, unknown>>(store, o.key);
    if (!j) continue;
    jobs.push({
      id: m[1],
      state: String(j.state ?? 'unknown')
        .replace(/^JOB_STATE_/, '')
        .toLowerCase(),
      stage: j.stage as string | undefined,
      epoch: Number(j.epoch ?? 0),
      totalEpochs: Number(j.totalEpochs ?? 0),
      error: j.error as string | undefined,
      createdMs: Number(j.createdMs ?? 0) || undefined,
      updatedMs: Number(j.updatedMs ?? 0) || undefined,
      metrics: j.metrics as Record<string, number> | undefined,
    });
  }
  return jobs;
}

/** The ids of the runs in the store (the directories under runs/). */
export async function runIds(store: ArtifactStore): Promise<Map<string, ObjectInfo[]>> {
  const byId = new Map<string, ObjectInfo[]>();
  for (const o of await store.list('runs/')) {
    const id = o.key.split('/')[1];
    if (!ID_PATTERN.test(id)) continue;
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id)!.push(o);
  }
  return byId;
}

/** One run's summary; undefined when the id is malformed or nothing is stored under it. */
export async function loadRun(
  store: ArtifactStore,
  id: string,
  jobs?: JobInfo[],
  objects?: ObjectInfo[],
): Promise<RunSummary | undefined> {
  if (!ID_PATTERN.test(id)) return undefined;
  const objs = objects ?? (await store.list(`runs/${id}/`));
  if (objs.length === 0) return undefined;
  const keys = new Set(objs.map((o) => o.key));
  const result = keys.has(`runs/${id}/result.json`)
    ? await tryJson<RunResult>(store, `runs/${id}/result.json`)
    : undefined;
  const config = result?.config ?? (await configOf(store, id, keys));
  const job = (jobs ?? (await listJobs(store))).find((j) => j.id === id);
  const times = objs.map((o) => o.modified.getTime());
  const updated = new Date(Math.max(...times));
  let status: RunStatus;
  if (result) status = 'done';
  else if (job && job.state !== 'succeeded')
    status = (
      ['running', 'queued', 'failed', 'cancelled'].includes(job.state) ? job.state : 'stopped'
    ) as RunStatus;
  else status = Date.now() - updated.getTime() < LIVE_SECONDS * 1000 ? 'running' : 'stopped';
  const dirs = new Set(
    objs
      .map((o) => o.key.split('/'))
      .filter((p) => p.length > 3)
      .map((p) => p[2]),
  );
  dirs.delete('teacher');
  const known = config?.methods ?? [];
  const methods = [
    ...known.filter((m) => dirs.has(m)),
    ...[...dirs].filter((m) => !(known as string[]).includes(m)).sort(),
  ];
  const summary: RunSummary = {
    id,
    status,
    result,
    config,
    job,
    methods,
    objects: objs,
    started: new Date(Math.min(...times)),
    updated,
  };
  if (!result && config) {
    const finished = new Set(
      objs.map((o) => /^runs\/[^/]+\/([^/]+)\/result\.json$/.exec(o.key)?.[1]).filter((m) => !!m),
    ) as Set<string>;
    summary.progress = runProgress(config, await runHistories(store, summary), finished);
  }
  return summary;
}

/**
 * The config of an unfinished run: `runs/<id>/config.json` (saved when the run starts), else
 * from a checkpoint that records it (a final student or the teacher).
 */
async function configOf(
  store: ArtifactStore,
  id: string,
  keys: Set<string>,
): Promise<RunConfig | undefined> {
  if (keys.has(`runs/${id}/config.json`)) {
    const cfg = await tryJson<RunConfig>(store, `runs/${id}/config.json`);
    if (cfg && Array.isArray(cfg.methods) && cfg.epochs && cfg.dataset) return cfg;
  }
  const candidates = [...keys].filter(
    (k) => k.endsWith('/final/model.json') || k === `runs/${id}/teacher/model.json`,
  );
  for (const k of candidates) {
    const json = await tryJson<{ metadata?: { config?: RunConfig } }>(store, k);
    if (json?.metadata?.config) return json.metadata.config;
  }
  return undefined;
}

export async function listRuns(
  store: ArtifactStore,
): Promise<{ runs: RunSummary[]; jobs: JobInfo[] }> {
  const jobs = await listJobs(store);
  const runs: RunSummary[] = [];
  for (const [id, objs] of await runIds(store)) {
    const r = await loadRun(store, id, jobs, objs);
    if (r) runs.push(r);
  }
  runs.sort((a, b) => b.updated.getTime() - a.updated.getTime());
  return { runs, jobs };
}

/** A stage's saved epoch metrics: `teacher` or a method, and its stage. */
export interface StageHistory {
  owner: string;
  stage: string;
  events: EpochEvent[];
}

/** Every `history.json` of a run (written by runStage after each epoch). */
export async function runHistories(store: ArtifactStore, run: RunSummary): Promise<StageHistory[]> {
  const out: StageHistory[] = [];
  for (const o of run.objects) {
    const p = o.key.split('/');
    if (p.length !== 5 || p[4] !== 'history.json') continue;
    const events = await tryJson<EpochEvent[]>(store, o.key);
    if (Array.isArray(events))
      out.push({ owner: p[2], stage: p[2] === 'teacher' ? 'teacher' : p[3], events });
  }
  return out;
}

/** Wall time of a run: from its first stored object to its last (what the user waited). */
export function wallSeconds(run: RunSummary): number {
  return (run.updated.getTime() - run.started.getTime()) / 1000;
}
