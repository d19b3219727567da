import type { ArtifactStore } from '@abd/artifacts';
import type { boundaryExtractor, studentTrainer } from '@abd/proto';
import { publishForeignTeacher, runPipeline, type RunConfig, type TrainEvent } from '@abd/train';
import { remoteSourceFactory } from '@abd/train-io';
import { foreignTeacherId, outputModelId, runConfigOf } from './job-spec';
import { stagePlanOf } from './stage-job-spec';
import { publishModel, runStageJob } from './stage-jobs';

/** What a job's work hands back to the job manager. */
export interface JobWorkResult {
  cancelled: boolean;
  outputModels: string[];
  metrics: Record<string, number>;
}

export interface JobWorkContext {
  store: ArtifactStore;
  /** Batches come from this boundary-extractor; absent = in-process LocalBatchSource. */
  extractor?: boundaryExtractor.BoundaryExtractorClient;
  useCache?: boolean;
  signal: AbortSignal;
  /** Called once the spec is resolved, with the epochs the job will report. */
  onStart: (totalEpochs: number) => void;
  onEvent: (e: TrainEvent) => void;
}

/**
 * The compute of one job: data loading, teacher evaluation, training, publishing. A run is a
 * runPipeline call checkpointing under runs/<id>/, a teacher / AB-init / classify job one stage
 * (stage-jobs.ts) checkpointing under jobs/<id>/; either resumes from its last checkpoint.
 * It runs in a job worker process (job-runner.ts) so the trainer's event loop stays free.
 */
export async function runJobWork(
  job: studentTrainer.Job,
  ctx: JobWorkContext,
): Promise<JobWorkResult> {
  if (ctx.signal.aborted) return { cancelled: true, outputModels: [], metrics: {} };
  return job.spec!.kind?.$case === 'run' ? runJob(job, ctx) : stageJob(job, ctx);
}

async function runJob(job: studentTrainer.Job, ctx: JobWorkContext): Promise<JobWorkResult> {
  const cfg: RunConfig = await runConfigOf(job.spec!, ctx.store, job.id);
  ctx.onStart(cfg.epochs.e1 + cfg.epochs.e2);
  const result = await runPipeline(cfg, {
    store: ctx.store,
    runId: job.id,
    signal: ctx.signal,
    onEvent: ctx.onEvent,
    batchSource: ctx.extractor
      ? remoteSourceFactory(ctx.extractor, {
          useCache: ctx.useCache,
          // A user's teacher file goes to the store with the run's statistics, for teacher-inference.
          publishForeignTeacher: async (c, o) => {
            const id = foreignTeacherId(job.id);
            await publishForeignTeacher(ctx.store, id, c, { ...o.set, stats: o.stats });
            return id;
          },
        })
      : undefined,
  });
  const out: JobWorkResult = { cancelled: result.cancelled, outputModels: [], metrics: {} };
  if (result.cancelled) return out;
  const run = job.spec!.kind?.$case === 'run' ? job.spec!.kind.run : undefined;
  const prefix = run?.outputPrefix || job.id;
  for (const m of result.results) {
    const id = outputModelId(prefix, m.method);
    await publishModel(ctx.store, `runs/${job.id}/${m.method}/final`, id);
    out.outputModels.push(id);
    out.metrics.test_error_percent = m.errorPct;
    out.metrics.test_loss = m.testLoss;
    m.similarity?.forEach((s, i) => (out.metrics[`similarity_tap${i + 1}`] = 100 * s));
  }
  return out;
}

async function stageJob(job: studentTrainer.Job, ctx: JobWorkContext): Promise<JobWorkResult> {
  const plan = await stagePlanOf(job.spec!, ctx.store, job.id);
  ctx.onStart(plan.epochs);
  const r = await runStageJob(plan, {
    store: ctx.store,
    jobId: job.id,
    signal: ctx.signal,
    onEvent: ctx.onEvent,
    extractor: ctx.extractor,
    useCache: ctx.useCache,
  });
  return r.cancelled
    ? { cancelled: true, outputModels: [], metrics: {} }
    : { cancelled: false, outputModels: [plan.output], metrics: r.metrics };
}
