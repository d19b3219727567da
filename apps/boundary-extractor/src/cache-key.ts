import { createHash } from 'node:crypto';
import type { ArtifactStore } from '@abd/artifacts';
import { datasetHash, epochOfKey, indicesHash, teacherOutputKey } from '@abd/train';
import type { BatchPlan } from './batch-plan';

/** Store directory of a model, as teacher-inference loads it: `models/<id>` or `models/<id>/epoch-NNNN`. */
const modelDir = (id: string, epoch: number) =>
  epoch > 0 ? `models/${id}/epoch-${String(epoch).padStart(4, '0')}` : `models/${id}`;

/**
 * Hashes of teacher checkpoints in the store: model.json and weights.bin, the files teacher-inference
 * loads. Read on every stream (a few MB against an epoch of inference), so a model rewritten
 * under the same id is another hash at once and its outputs another cache entry.
 */
export class CheckpointHashes {
  constructor(private readonly store: ArtifactStore) {}

  /** The hash, or null when the checkpoint is not in this store (then nothing is cached). */
  async of(id: string, epoch: number): Promise<string | null> {
    const dir = modelDir(id, epoch);
    const files = [`${dir}/model.json`, `${dir}/weights.bin`];
    if (!(await Promise.all(files.map((f) => this.store.exists(f)))).every(Boolean)) return null;
    const h = createHash('sha256');
    for (const f of files) h.update(await this.store.get(f));
    return h.digest('hex').slice(0, 32);
  }
}

/**
 * The store cache's directory for one epoch stream: `signs/<teacher>/<dataset>/<key>`, where the key is
 * the epoch part of `teacherOutputKey` (libs/train teacher-output-cache: the fields the in-process
 * cache uses: teacher weights, dataset contents, subset, batch size, seed, order, epoch,
 * augmentation, BN mode, taps, normalization) and whether logits are stored with the maps.
 * Null when the teacher's checkpoint is not in the store.
 */
export async function cachePrefix(
  plan: BatchPlan,
  hashes: CheckpointHashes,
): Promise<string | null> {
  const r = plan.req;
  const weightsHash = await hashes.of(r.teacher!.id, r.teacher!.epoch);
  if (!weightsHash) return null;
  const key = teacherOutputKey({
    teacher: { id: `${r.teacher!.id}@${r.teacher!.epoch}`, weightsHash },
    dataset: { name: plan.set.name, split: plan.set.split, contentHash: datasetHash(plan.set) },
    subset: indicesHash(plan.indices),
    batchSize: r.batchSize,
    seed: r.seed,
    shuffle: r.shuffle,
    epoch: r.epoch,
    index: 0,
    augmentation: r.augmentation ? { pad: r.augmentation.pad, flip: r.augmentation.flip } : null,
    bnMode: r.batchNormTrainMode ? 'train' : 'eval',
    taps: r.taps,
    // teacher-inference normalizes with the teacher's own statistics (covered by its files).
    normalization: null,
  });
  // What is stored beside the maps: logits, feature maps at named points, or no sign maps at all.
  const extra = [
    r.teacherLogits ? 'logits' : 'maps',
    ...(r.omitSignMaps ? ['nomaps'] : []),
    ...(r.teacherFeatures.length > 0
      ? [
          `f${createHash('sha256').update(JSON.stringify(r.teacherFeatures)).digest('hex').slice(0, 12)}`,
        ]
      : []),
  ].join('-');
  // A dataset by format + path: its contents are in the key; the directory says it is not a built-in.
  const dir = r.dataset!.own ? 'own' : r.dataset!.name;
  return `signs/${r.teacher!.id}/${dir}/${epochOfKey(key)}-${extra}`;
}
