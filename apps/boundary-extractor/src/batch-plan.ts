import {
  DATASET_NAMES,
  DatasetName,
  ImageSet,
  loadDataset,
  subsetIndices,
  batchIndices,
  makeBatch,
  MAX_BATCH_SIZE as MAX_BATCH,
  MAX_PAD,
} from '@abd/data';
import { checkTapList, InvalidArgumentError, NotFoundError, validateName } from '@abd/grpc-kit';
import { boundaryExtractor, common } from '@abd/proto';
import { LocalBatchSource } from '@abd/train';
import { subsetFromWire } from '@abd/train-io';
import type { DatasetConfig } from '@abd/train';
import { OwnDatasets, ownDatasetOf } from './own-dataset';

/** A checked StreamRequest with the dataset loaded: everything that determines the batches. */
export interface BatchPlan {
  set: ImageSet;
  indices: Int32Array;
  /** Dataset indices of each batch of the epoch, in order. */
  batches: Int32Array[];
  source: LocalBatchSource | null;
  req: boundaryExtractor.StreamRequest;
}

/** Validates every field of a StreamRequest (INVALID_ARGUMENT / NOT_FOUND naming the field). */
export function checkStreamRequest(req: boundaryExtractor.StreamRequest): {
  dataset: DatasetName;
  split: 'train' | 'test';
  /** A dataset given by format + path (dataset.config_json); then `dataset` is its label. */
  own?: DatasetConfig;
} {
  const own = ownDatasetOf(req.dataset);
  const name = own ? (own.name as DatasetName) : validateName('dataset.name', req.dataset?.name);
  if (!own && !(DATASET_NAMES as string[]).includes(name))
    throw new NotFoundError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  if (req.teacher) validateName('teacher.id', req.teacher.id);
  let split: 'train' | 'test';
  if (req.split === common.Split.SPLIT_UNSPECIFIED || req.split === common.Split.SPLIT_TRAIN)
    split = 'train';
  else if (req.split === common.Split.SPLIT_TEST) split = 'test';
  else
    throw new InvalidArgumentError(
      'split',
      `unknown value ${req.split} (SPLIT_TRAIN or SPLIT_TEST)`,
    );
  if (!Number.isInteger(req.batchSize) || req.batchSize < 1 || req.batchSize > MAX_BATCH) {
    throw new InvalidArgumentError(
      'batch_size',
      `must be in 1..${MAX_BATCH}, got ${req.batchSize}`,
    );
  }
  const s = req.subset;
  if (s) {
    const z = s.size;
    if (
      z?.$case === 'fraction' &&
      !(Number.isFinite(z.fraction) && z.fraction > 0 && z.fraction <= 1)
    ) {
      throw new InvalidArgumentError(
        'subset.fraction',
        `must be a finite number in (0, 1], got ${z.fraction}`,
      );
    }
    if (z?.$case !== 'fraction' && !(z?.$case === 'count' && z.count >= 1))
      throw new InvalidArgumentError('subset', 'needs fraction in (0, 1] or count >= 1');
  }
  const a = req.augmentation;
  if (a && a.pad > MAX_PAD)
    throw new InvalidArgumentError('augmentation.pad', `must be <= ${MAX_PAD}, got ${a.pad}`);
  if (!Number.isSafeInteger(req.seed) || req.seed < 0)
    throw new InvalidArgumentError('seed', `must be a safe non-negative integer, got ${req.seed}`);
  checkTapList('taps', req.taps, { names: true });
  checkTapList('teacher_features', req.teacherFeatures);
  return { dataset: name as DatasetName, split, own };
}

/** Loads each (dataset, split) once per process. */
export class DatasetCache {
  private readonly sets = new Map<string, Promise<ImageSet>>();
  /** Datasets given by format + path, read by libs/train's loader as in-process. */
  readonly own = new OwnDatasets();
  constructor(private readonly dir?: string) {}

  get(name: DatasetName, split: 'train' | 'test'): Promise<ImageSet> {
    const key = `${name}/${split}`;
    let p = this.sets.get(key);
    if (!p) {
      p = loadDataset(name, split, this.dir ? { dir: this.dir } : {});
      this.sets.set(key, p);
      p.catch(() => this.sets.delete(key));
    }
    return p;
  }
}

/**
 * The batches of one epoch exactly as the in-process pipeline makes them: the same subset,
 * the same LocalBatchSource order and augmentation (pure in seed, epoch, index).
 */
export async function planBatches(
  req: boundaryExtractor.StreamRequest,
  data: DatasetCache,
): Promise<BatchPlan> {
  const { dataset, split, own } = checkStreamRequest(req);
  const set = own ? await data.own.get(own, split) : await data.get(dataset, split);
  const indices = subsetIndices(set, subsetFromWire(req.subset));
  if (!req.shuffle)
    return { set, indices, batches: batchIndices(indices, req.batchSize), source: null, req };
  const source = new LocalBatchSource({
    set,
    indices,
    // Unused: this source never normalises (no teacher); images stay uint8 on the wire.
    stats: { mean: new Array(set.channels).fill(0), std: new Array(set.channels).fill(1) },
    batchSize: req.batchSize,
    seed: req.seed,
    augment: req.augmentation ? { pad: req.augmentation.pad, flip: req.augmentation.flip } : null,
  });
  return { set, indices, batches: source.batchesOf(req.epoch), source, req };
}

/** uint8 images + labels of batch `b` of a plan (same code path as LocalBatchSource.epoch). */
export async function* planImages(
  plan: BatchPlan,
): AsyncGenerator<{ index: number; images: common.ImageBatch }> {
  const { set, req } = plan;
  const shape = (n: number) => [n, set.height, set.width, set.channels];
  const wrap = (index: number, images: Uint8Array, labels: Int32Array) => ({
    index,
    images: {
      data: Buffer.from(images.buffer, images.byteOffset, images.length),
      shape: shape(labels.length),
      labels: [...labels],
      indices: [...plan.batches[index]],
    },
  });
  if (plan.source) {
    for await (const b of plan.source.epoch(req.epoch, {
      signs: false,
      logits: false,
      startBatch: req.startBatch,
    }))
      yield wrap(b.index, b.images, b.labels);
    return;
  }
  const aug = req.augmentation
    ? { seed: req.seed, epoch: req.epoch, pad: req.augmentation.pad, flip: req.augmentation.flip }
    : undefined;
  for (let i = req.startBatch; i < plan.batches.length; i++) {
    const b = makeBatch(set, plan.batches[i], { augment: aug });
    yield wrap(i, b.images, b.labels);
  }
}
