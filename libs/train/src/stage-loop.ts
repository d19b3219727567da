import * as tf from '@tensorflow/tfjs-core';
import { ArtifactStore } from '@abd/artifacts';
import { Student, StudentModel } from '@abd/models';
import { BatchSource, EpochRequest, TrainBatch } from './batch-source';
import { latestStageCheckpoint, putStageCheckpoint } from './checkpoints';
import { EventSink, StageName, TrainEvent } from './events';
import { EpochEvent, historyKey, readHistory } from './history';
import { SgdNesterov } from './optimizer';
import { learningRate, ScheduleKind } from './schedule';

export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** Where and how a stage saves and resumes. */
export interface StageIo {
  store?: ArtifactStore;
  /** Store prefix of this stage's checkpoints, e.g. `jobs/<id>/ab-init`. */
  prefix?: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

/** What one stage needs from its caller: the step and the per-epoch bookkeeping. */
export interface StageSpec<Acc> {
  stage: StageName;
  label: string;
  epochs: number;
  source: BatchSource;
  request: EpochRequest;
  model: Student;
  /** Extra trained variables besides the model's (e.g. connectors), keyed by checkpoint name. */
  extraVars?: Map<string, tf.Variable>;
  /** Extra non-trained state to checkpoint (e.g. connector BN statistics). */
  extraState?: Map<string, tf.Variable>;
  optimizer: () => SgdNesterov;
  schedule: ScheduleKind;
  baseLr: number;
  /** Called at the start of each epoch; may return a fresh optimizer (paper code's AB reset). */
  resetOptimizerAt?: (epoch: number) => boolean;
  newAcc: () => Acc;
  /** Runs one optimisation step (gradients + update) and folds its metrics into acc; returns the loss. */
  step: (batch: TrainBatch, opt: SgdNesterov, acc: Acc) => number;
  /** Builds the epoch event's metrics (may evaluate on a test set). */
  endEpoch: (
    epoch: number,
    acc: Acc,
  ) => Omit<
    Extract<TrainEvent, { type: 'epoch' }>,
    'type' | 'stage' | 'label' | 'epoch' | 'seconds'
  >;
  metadata: Record<string, unknown>;
}

/**
 * Runs a stage's epochs with checkpoints after every epoch, resume from the latest
 * checkpoint (also from the middle of an epoch), and cancellation that saves before it stops.
 */
export async function runStage<Acc>(
  spec: StageSpec<Acc>,
  io: StageIo,
): Promise<{ cancelled: boolean }> {
  const emit = (e: TrainEvent) => io.onEvent?.(e);
  const { source, model } = spec;
  let opt = spec.optimizer();
  let startEpoch = 0;
  let startBatch = 0;
  let acc = spec.newAcc();
  if (io.store && io.prefix) {
    const latest = await latestStageCheckpoint(io.store, io.prefix);
    if (latest) {
      restore(spec, opt, latest.model, latest.extra);
      latest.model.dispose();
      startEpoch = latest.pointer.epoch;
      startBatch = latest.pointer.nextBatch;
      const meta = latest.json.metadata as { acc?: Acc; finished?: boolean };
      // A partial checkpoint resumes inside its epoch (possibly at batch 0: stopped before the
      // epoch's first step); a complete one after it. Older pointers have no flag: nextBatch > 0.
      const partial = latest.pointer.partial ?? startBatch > 0;
      if (partial && meta.acc) acc = meta.acc;
      if (!partial) startEpoch += 1;
      for (const t of latest.extra.values()) t.dispose();
    }
  }
  // Per-epoch metrics for viewers (abd ui): `<prefix>/history.json`, rewritten after each epoch.
  const history: EpochEvent[] =
    io.store && io.prefix ? await readHistory(io.store, io.prefix, startEpoch) : [];
  emit({
    type: 'stage-start',
    stage: spec.stage,
    label: spec.label,
    epochs: spec.epochs,
    stepsPerEpoch: source.stepsPerEpoch,
    fromEpoch: startEpoch,
    fromStep: startBatch,
  });
  const save = async (epoch: number, nextBatch: number, partial = false) => {
    if (!io.store || !io.prefix) return;
    const extra = new Map<string, tf.Tensor>();
    for (const [k, v] of spec.extraVars ?? []) extra.set(`extra/${k}`, v);
    for (const [k, v] of spec.extraState ?? []) extra.set(`extra/${k}`, v);
    for (const [k, v] of opt.state()) extra.set(`opt/${k}`, v);
    const meta = {
      ...spec.metadata,
      stage: spec.stage,
      label: spec.label,
      acc: partial ? acc : undefined,
    };
    const key = await putStageCheckpoint(
      io.store,
      io.prefix,
      model,
      epoch,
      nextBatch,
      meta,
      extra,
      partial,
    );
    emit({ type: 'checkpoint', stage: spec.stage, label: spec.label, key, epoch, partial });
  };
  for (let epoch = startEpoch; epoch < spec.epochs; epoch++) {
    if (spec.resetOptimizerAt?.(epoch) && startBatch === 0) {
      opt.dispose();
      opt = spec.optimizer();
    }
    const t0 = performance.now();
    let b = startBatch;
    for await (const batch of source.epoch(epoch, { ...spec.request, startBatch })) {
      if (io.signal?.aborted) {
        await save(epoch, b, true);
        emit({ type: 'stage-end', stage: spec.stage, label: spec.label, cancelled: true });
        opt.dispose();
        return { cancelled: true };
      }
      opt.lr = learningRate(
        spec.schedule,
        spec.baseLr,
        epoch,
        batch.index,
        source.stepsPerEpoch,
        spec.epochs,
      );
      const loss = spec.step(batch, opt, acc);
      if (!Number.isFinite(loss))
        throw new Error(
          `${spec.label}: loss became ${loss} at epoch ${epoch + 1}, batch ${batch.index + 1}`,
        );
      emit({
        type: 'step',
        stage: spec.stage,
        label: spec.label,
        epoch,
        step: batch.index,
        stepsPerEpoch: source.stepsPerEpoch,
        loss,
        lr: opt.lr,
        images: batch.n,
      });
      b = batch.index + 1;
      // Let signal handlers and stream consumers run between steps.
      await new Promise((r) => setImmediate(r));
    }
    const seconds = (performance.now() - t0) / 1000;
    startBatch = 0;
    const metrics = spec.endEpoch(epoch, acc);
    const event: EpochEvent = {
      type: 'epoch',
      stage: spec.stage,
      label: spec.label,
      epoch,
      seconds,
      ...metrics,
    };
    emit(event);
    acc = spec.newAcc();
    if (io.store && io.prefix) {
      history.push(event);
      await io.store.putJson(historyKey(io.prefix), history);
    }
    await save(epoch, 0);
  }
  opt.dispose();
  emit({ type: 'stage-end', stage: spec.stage, label: spec.label, cancelled: false });
  return { cancelled: false };
}

function restore<Acc>(
  spec: StageSpec<Acc>,
  opt: SgdNesterov,
  saved: StudentModel,
  extra: Map<string, tf.Tensor>,
): void {
  for (const [k, v] of [...spec.model.params, ...spec.model.stats]) {
    v.assign((saved.params.get(k) ?? saved.stats.get(k))!);
  }
  for (const [k, v] of [...(spec.extraVars ?? []), ...(spec.extraState ?? [])]) {
    const t = extra.get(`extra/${k}`);
    if (!t) throw new Error(`checkpoint lacks '${k}'`);
    v.assign(t);
  }
  const state = new Map<string, tf.Tensor>();
  for (const [k, t] of extra) if (k.startsWith('opt/')) state.set(k.slice(4), t);
  opt.loadState(state);
}
