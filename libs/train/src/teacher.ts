import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ArtifactStore, openStore } from '@abd/artifacts';
import { ChannelStats, ImageSet } from '@abd/data';
import { parseWrnName, Wrn } from '@abd/models';
import { getCheckpoint, putCheckpoint } from './checkpoints';
import { LocalBatchSource } from './batch-source';
import { trainClassifier } from './classify-stage';
import { curveTestSet } from './curve-test';
import { evaluate } from './evaluate';
import { checkpointRef } from './preflight';
import { RunConfig } from './run-config';
import { ConfigError } from './schema';
import { StageIo } from './stage-loop';

/**
 * Opens a teacher checkpoint (see checkpointRef): a directory on disk holding model.json +
 * weights.bin (relative to `baseDir`), `builtin:<name>`, or a directory key in the store.
 */
export async function loadTeacher(
  ref: string,
  store: ArtifactStore,
  baseDir = process.cwd(),
): Promise<Wrn> {
  const r = checkpointRef(ref, baseDir);
  if (r.kind === 'store') return (await getCheckpoint(store, r.key)).model;
  if (existsSync(join(r.dir, 'model.json')))
    return (await getCheckpoint(openStore(dirname(r.dir)), basename(r.dir))).model;
  // Not on disk: a store key of another form, else the file the user meant is missing.
  if (await store.exists(`${ref}/model.json`)) return (await getCheckpoint(store, ref)).model;
  throw new ConfigError(
    'teacher.checkpoint',
    `'teacher.checkpoint': file not found: ${join(r.dir, 'model.json')}`,
  );
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
  const model = new Wrn(
    { depth, widen, inChannels: train.channels, numClasses: train.classes },
    cfg.teacher.init,
    cfg.teacher.seed,
  );
  const all = new Int32Array(train.n).map((_, i) => i);
  const source = new LocalBatchSource({
    set: train,
    indices: all,
    stats,
    batchSize: cfg.train.batchSize,
    seed: cfg.seed,
    augment: cfg.train.augment,
  });
  const sgd = {
    lr: cfg.train.lr,
    momentum: cfg.train.momentum,
    weightDecay: cfg.train.weightDecay,
    nesterov: cfg.train.nesterov,
  };
  const r = await trainClassifier(
    model,
    source,
    {
      stage: 'teacher',
      label: `teacher ${cfg.teacher.arch}`,
      epochs: cfg.teacher.epochs,
      sgd,
      schedule: cfg.teacher.schedule,
      test: { set: test, every: cfg.train.testEvery, curve: curveTestSet(test) },
    },
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
