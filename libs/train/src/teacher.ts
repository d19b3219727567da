import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ArtifactStore, openStore } from '@abd/artifacts';
import { ChannelStats, ImageSet } from '@abd/data';
import { parseWrnName, Wrn } from '@abd/models';
import { getCheckpoint, putCheckpoint } from './checkpoints';
import { LocalBatchSource } from './batch-source';
import { trainClassifier } from './classify-stage';
import { curveTestSet } from './curve-test';
import { evaluate } from './evaluate';
import { RunConfig } from './run-config';
import { StageIo } from './stage-loop';

/**
 * Opens a teacher checkpoint: `ref` is a directory on disk holding model.json + weights.bin
 * (relative to `baseDir`), or else a directory key in the store.
 */
export async function loadTeacher(ref: string, store: ArtifactStore, baseDir = process.cwd()): Promise<Wrn> {
  const onDisk = resolve(baseDir, ref);
  if (existsSync(join(onDisk, 'model.json'))) {
    return (await getCheckpoint(openStore(dirname(onDisk)), basename(onDisk))).model;
  }
  return (await getCheckpoint(store, ref)).model;
}

/** Trains a teacher with CE on the full training set and saves it at `<dir>` in the store. */
export async function trainTeacher(
  cfg: RunConfig,
  train: ImageSet,
  test: ImageSet,
  stats: ChannelStats,
  store: ArtifactStore,
  dir: string,
  io: StageIo,
): Promise<{ model: Wrn; cancelled: boolean }> {
  const { depth, widen } = parseWrnName(cfg.teacher.arch);
  const model = new Wrn({ depth, widen, inChannels: train.channels, numClasses: train.classes }, cfg.teacher.init, cfg.teacher.seed);
  const all = new Int32Array(train.n).map((_, i) => i);
  const source = new LocalBatchSource({
    set: train,
    indices: all,
    stats,
    batchSize: cfg.train.batchSize,
    seed: cfg.seed,
    augment: cfg.train.augment,
  });
  const sgd = { lr: cfg.train.lr, momentum: cfg.train.momentum, weightDecay: cfg.train.weightDecay, nesterov: cfg.train.nesterov };
  const r = await trainClassifier(
    model,
    source,
    { stage: 'teacher', label: `teacher ${cfg.teacher.arch}`, epochs: cfg.teacher.epochs, sgd, schedule: cfg.teacher.schedule, test: { set: test, every: cfg.train.testEvery, curve: curveTestSet(test) } },
    { ...io, store, prefix: `${dir}/train` },
  );
  if (!r.cancelled) {
    const ev = evaluate(model, test, stats);
    await putCheckpoint(store, dir, model, {
      role: 'teacher',
      dataset: train.name,
      epochs: cfg.teacher.epochs,
      seed: cfg.teacher.seed,
      testErrorPct: ev.errorPct,
      normalization: stats,
      config: cfg,
    });
  }
  return { model, cancelled: r.cancelled };
}
