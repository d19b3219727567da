import type { ArtifactStore } from '@abd/artifacts';
import { Connectors, parseWrnName, Wrn } from '@abd/models';
import type { boundaryExtractor } from '@abd/proto';
import {
  curveTestSet,
  evaluate,
  getCheckpoint,
  LocalBatchSource,
  loadRunData,
  putCheckpoint,
  trainAbInit,
  trainClassifier,
  trainTeacher,
  type BatchSource,
  type EventSink,
  type RunData,
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
 * Runs one stage job with the library calls of the in-process pipeline (trainTeacher,
 * trainAbInit, trainClassifier), checkpointing under `jobs/<id>/<stage>` (a rerun resumes there),
 * then writes `jobs/<id>/final` and publishes it as `models/<output>`.
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
  const cfg = plan.cfg;
  const { depth, widen } = parseWrnName(cfg.student.arch);
  const student =
    plan.kind === 'classify' && plan.init
      ? await loadModel(store, plan.init)
      : new Wrn(
          { depth, widen, inChannels: d.train.channels, numClasses: d.train.classes },
          cfg.student.init,
          cfg.student.seed,
        );
  const teacherRef = plan.teacher;
  // In-process batches need the teacher's weights; through the extractor, AB still needs its tap widths.
  const teacher =
    teacherRef && (!ctx.extractor || plan.kind === 'ab_init')
      ? await loadModel(store, teacherRef)
      : undefined;
  const sgd = {
    lr: cfg.train.lr,
    momentum: cfg.train.momentum,
    weightDecay: cfg.train.weightDecay,
    nesterov: cfg.train.nesterov,
  };
  const source = batchSource(plan, d, teacher, teacherRef, ctx);
  const metadata = {
    role: 'student',
    stage: plan.kind,
    dataset: cfg.dataset.name,
    normalization: d.stats,
    config: cfg,
  };
  const metrics: Record<string, number> = {};
  try {
    if (plan.kind === 'ab_init') {
      const conns = new Connectors(
        student.tapWidths,
        teacher!.tapWidths,
        cfg.student.init,
        cfg.student.seed + 7919,
      );
      let similarity: number[] | undefined;
      const onEvent: EventSink = (e) => {
        if (e.type === 'epoch' && e.ab) similarity = e.ab.similarity;
        ctx.onEvent(e);
      };
      const ab = cfg.ab;
      const r = await trainAbInit(
        student,
        conns,
        source,
        {
          label: `ab-init ${cfg.student.arch}`,
          epochs: plan.epochs,
          mu: ab.mu,
          weights: ab.weights,
          sgd: { ...sgd, lr: plan.lr },
          schedule: ab.schedule,
          resetOptimizer: ab.resetOptimizer,
        },
        { ...io, onEvent, prefix: `${prefix}/ab-init` },
      ).finally(() => conns.dispose());
      if (r.cancelled) return { cancelled: true, metrics };
      similarity?.forEach((s, i) => (metrics[`similarity_tap${i + 1}`] = 100 * s));
      await putCheckpoint(store, `${prefix}/final`, student, { ...metadata, similarity });
    } else {
      const test = { set: d.test, every: cfg.train.testEvery, curve: curveTestSet(d.test) };
      const kd = plan.method === 'kd' ? cfg.kd : undefined;
      const r = await trainClassifier(
        student,
        source,
        {
          label: `${plan.method} ${cfg.student.arch}`,
          epochs: plan.epochs,
          dataEpochOffset: plan.dataEpochOffset,
          sgd,
          schedule: cfg.train.schedule,
          kd,
          test,
        },
        { ...io, prefix: `${prefix}/classify` },
      );
      if (r.cancelled) return { cancelled: true, metrics };
      const ev = evaluate(student, d.test, d.stats);
      Object.assign(metrics, { test_error_percent: ev.errorPct, test_loss: ev.loss });
      await putCheckpoint(store, `${prefix}/final`, student, {
        ...metadata,
        method: plan.method,
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

/** The students' batches as runPipeline makes them: a LocalBatchSource, or a RemoteBatchSource over the extractor. */
function batchSource(
  plan: StagePlan,
  d: RunData,
  teacher: Wrn | undefined,
  ref: StoredModel | undefined,
  ctx: StageJobContext,
): BatchSource {
  const cfg = plan.cfg;
  if (!ctx.extractor) {
    return new LocalBatchSource({
      set: d.train,
      indices: d.indices,
      stats: d.stats,
      batchSize: cfg.train.batchSize,
      seed: cfg.seed,
      augment: cfg.train.augment,
      teacher,
      teacherBnMode: cfg.ab.teacherBnMode,
    });
  }
  return new RemoteBatchSource({
    client: ctx.extractor,
    teacher: ref ? { id: ref.id, epoch: ref.epoch } : undefined,
    dataset: cfg.dataset.name,
    subset: cfg.dataset.subset,
    seed: cfg.seed,
    batchSize: cfg.train.batchSize,
    augment: cfg.train.augment,
    teacherBnMode: cfg.ab.teacherBnMode,
    size: d.indices.length,
    stats: d.stats,
    shape: { height: d.train.height, width: d.train.width, channels: d.train.channels },
    useCache: ctx.useCache,
  });
}
