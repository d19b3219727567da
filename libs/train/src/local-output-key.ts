import type { ImageSet } from '@abd/data';
import { Wrn } from '@abd/models';
import type { AugmentSpec } from './batch-source';
import { datasetHash, indicesHash, teacherIdentity } from './teacher-identity';
import type { TeacherModel } from './teacher-model';
import { teacherOutputKey, TeacherOutputFields } from './teacher-output-cache';

const teacherName = (t: TeacherModel) =>
  t instanceof Wrn ? `wrn-${t.config.depth}-${t.config.widen}` : t.format;

/** What of a LocalBatchSource's options fixes its teacher outputs. */
export interface LocalKeyInputs {
  set: ImageSet;
  indices: Int32Array;
  stats: { mean: number[]; std: number[] };
  batchSize: number;
  seed: number;
  augment: AugmentSpec | null;
  teacher?: TeacherModel;
  teacherId?: string;
}

/**
 * The output-cache key function of an in-process source: the hashes (teacher weights, dataset
 * contents, indices) are taken on the first call and kept, as the source's inputs are fixed.
 */
export function localOutputKeys(
  o: LocalKeyInputs,
): (epoch: number, index: number, bnMode: 'eval' | 'train') => string {
  let base: Omit<TeacherOutputFields, 'epoch' | 'index' | 'bnMode'> | undefined;
  return (epoch, index, bnMode) => {
    if (!base) {
      const t = o.teacher;
      if (!t) throw new Error('this batch source has no teacher');
      const weightsHash = teacherIdentity(t, o.teacherId);
      base = {
        teacher: {
          id: t instanceof Wrn ? `wrn-${t.config.depth}-${t.config.widen}` : t.format,
          weightsHash,
        },
        dataset: { name: o.set.name, split: o.set.split, contentHash: datasetHash(o.set) },
        subset: indicesHash(o.indices),
        batchSize: o.batchSize,
        seed: o.seed,
        shuffle: true,
        augmentation: o.augment ? { pad: o.augment.pad, flip: o.augment.flip } : null,
        taps: t instanceof Wrn ? t.tapNames : t.taps,
        normalization: { mean: o.stats.mean, std: o.stats.std },
      };
    }
    return teacherOutputKey({ ...base, epoch, index, bnMode });
  };
}

/** The key of a teacher's evaluation on a whole split (dataset order, no augmentation, BN eval). */
export function teacherEvaluationKey(
  teacher: TeacherModel,
  set: ImageSet,
  stats: { mean: number[]; std: number[] },
  batchSize: number,
): string {
  return `evaluation/${teacherOutputKey({
    teacher: { id: teacherName(teacher), weightsHash: teacherIdentity(teacher) },
    dataset: { name: set.name, split: set.split, contentHash: datasetHash(set) },
    subset: 'all',
    batchSize,
    seed: 0,
    shuffle: false,
    epoch: 0,
    index: 0,
    augmentation: null,
    bnMode: 'eval',
    taps: [],
    normalization: { mean: stats.mean, std: stats.std },
  })}`;
}
