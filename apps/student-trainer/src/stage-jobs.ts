import type { ArtifactStore } from '@abd/artifacts';
import type { Wrn } from '@abd/models';
import type { boundaryExtractor } from '@abd/proto';
import {
  getCheckpoint,
  LocalBatchSource,
  loadRunData,
  needsTeacherModel,
  runClassifyStage,
  runInitStage,
  runStudentOf,
  saveFinalStudent,
  sourceOptionsOf,
  stagesOf,
  trainTeacher,
  type BatchSource,
  type EventSink,
  type LocalSourceOptions,
  type RunConfig,
  type StageIo,
} from '@abd/train';
import { RemoteBatchSource } from '@abd/train-io';
import type { StagePlan } from './stage-job-spec';
import type { StoredModel } from './stored-model';

export interface StageJobContext {
  store: ArtifactStore;
  jobId: string;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Batches (and the teacher's outputs) from this boundary-extractor; absent = in-process. */
  extractor?: boundaryExtractor.BoundaryExtractorClient;
  useCache?: boolean;
}

export interface StageJobResult {
  cancelled: boolean;
  metrics: Record<string, number>;
}

/** Copies a checkpoint directory to `models/<id>`: weights first, model.json (with their hash) last. */
export async function publishModel(store: ArtifactStore, from: string, id: string): Promise<void> {
  for (const f of ['weights.bin', 'model.json'])
    await store.put(`models/${id}/${f}`, await store.get(`${from}/${f}`));
}

/**
 * Runs one stage job with the stage runner of the in-process pipeline (trainTeacher,
 * runInitStage, runClassifyStage), checkpointing under `jobs/<id>/<stage>` (a rerun resumes
 * there), then writes `jobs/<id>/final` and publishes it as `models/<output>`.
 */
export async function runStageJob(plan: StagePlan, ctx: StageJobContext): Promise<StageJobResult> {
  const { store } = ctx;
  const prefix = `jobs/${ctx.jobId}`;
  const io: StageIo = { store, signal: ctx.signal, onEvent: ctx.onEvent };
  const d = await loadRunData(plan.cfg);
  if (plan.kind === 'teacher') {
    // trainTeacher checkpoints its epochs under <dir>/train and writes the teacher at <dir>.
    const dir = `${prefix}/teacher`;
    const t = await trainTeacher(plan.cfg, d.train, d.test, d.stats, store, dir, io);
    t.model.dispose();
    if (t.cancelled) return { cancelled: true, metrics: {} };
    const { metadata } = await store.getJson<{ metadata: { testErrorPct: number } }>(
      `${dir}/model.json`,
    );
    await publishModel(store, dir, plan.output);
    return { cancelled: false, metrics: { test_error_percent: metadata.testErrorPct } };
  }
  const { cfg, method } = plan;
  const student =
    plan.kind === 'classify' && plan.init
      ? await loadModel(store, plan.init)
      : await runStudentOf(cfg, d);
  const teacherRef = plan.teacher;
  // In-process batches need the teacher's weights; through the extractor, an init stage still
  // needs its taps (and a joint term its forward pass).
  const inProcess =
    !ctx.extractor ||
    plan.kind === 'ab_init' ||
    needsTeacherModel(stagesOf(method).classify.signals);
  const teacher = teacherRef && inProcess ? await loadModel(store, teacherRef) : undefined;
  const source = ctx.extractor
    ? remoteSource(ctx.extractor, sourceOptionsOf(cfg, d, undefined), plan, ctx.useCache)
    : new LocalBatchSource(sourceOptionsOf(cfg, d, teacher));
  const args = {
    cfg,
    method,
    student,
    teacher: teacher && { model: teacher, widths: teacher.tapWidths },
    source,
    data: d,
    io,
    prefix,
  };
  const metadata = {
    stage: plan.kind,
    dataset: cfg.dataset.name,
    normalization: d.stats,
    config: cfg,
  };
  const metrics: Record<string, number> = {};
  try {
    if (plan.kind === 'ab_init') {
      const label = `${stagesOf(method).init!.part}-init ${cfg.student.arch}`;
      const r = await runInitStage({ ...args, label }, plan.lr);
      if (r.cancelled) return { cancelled: true, metrics };
      r.similarity?.forEach((s, i) => (metrics[`similarity_tap${i + 1}`] = 100 * s));
      await saveFinalStudent(io, prefix, student, { ...metadata, similarity: r.similarity });
    } else {
      const label = `${plan.name} ${cfg.student.arch}`;
      const r = await runClassifyStage(
        { ...args, label },
        { epochs: plan.epochs, dataEpochOffset: plan.dataEpochOffset },
      );
      if (r.cancelled) return { cancelled: true, metrics };
      const ev = r.evaluation!;
      Object.assign(metrics, { test_error_percent: ev.errorPct, test_loss: ev.loss });
      await saveFinalStudent(io, prefix, student, {
        ...metadata,
        method: plan.name,
        testErrorPct: ev.errorPct,
      });
    }
    await publishModel(store, `${prefix}/final`, plan.output);
    return { cancelled: false, metrics };
  } finally {
    student.dispose();
    teacher?.dispose();
  }
}

async function loadModel(store: ArtifactStore, m: StoredModel): Promise<Wrn> {
  const ck = await getCheckpoint(store, m.key);
  for (const t of ck.extra.values()) t.dispose();
  return ck.model;
}

/** The students' batches streamed by the boundary-extractor, as the in-process source would make them. */
function remoteSource(
  client: boundaryExtractor.BoundaryExtractorClient,
  o: LocalSourceOptions,
  plan: { cfg: RunConfig; teacher?: StoredModel },
  useCache?: boolean,
): BatchSource {
  const ref = plan.teacher;
  return new RemoteBatchSource({
    client,
    teacher: ref ? { id: ref.id, epoch: ref.epoch } : undefined,
    dataset: plan.cfg.dataset.name,
    subset: plan.cfg.dataset.subset,
    seed: o.seed,
    batchSize: o.batchSize,
    augment: o.augment,
    teacherBnMode: o.teacherBnMode,
    size: o.indices.length,
    stats: o.stats,
    shape: { height: o.set.height, width: o.set.width, channels: o.set.channels },
    useCache,
  });
}
