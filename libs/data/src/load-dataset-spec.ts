import { readCifarSplit, readIdxSplit, readNpySplit, readNpzSplits } from './array-readers';
import { channelStats, type ChannelStats } from './batch';
import { DataError } from './data-error';
import { DATASET_FORMATS, type DatasetSpec } from './dataset-spec';
import { readImageFolder } from './image-folder';
import type { ImageSet } from './image-set';
import { toImageSets, type RawSplit } from './labelled-arrays';

/** Both splits of a dataset and the per-channel mean/std of its training split (in [0, 1] units). */
export interface LoadedDataset {
  train: ImageSet;
  test: ImageSet;
  stats: ChannelStats;
}

/**
 * Loads a dataset described by format and path. Shape, channels and class count come from the
 * files (class count: `classNames`, else the image-folder's class folders, else 1 + the largest
 * training label).
 */
export async function loadDatasetSpec(spec: DatasetSpec, name = spec.path): Promise<LoadedDataset> {
  let splits: [RawSplit, RawSplit];
  let classNames = spec.classNames;
  switch (spec.format) {
    case 'idx':
      splits = await Promise.all([readIdxSplit(spec, 'train'), readIdxSplit(spec, 'test')]);
      break;
    case 'cifar-binary':
      splits = await Promise.all([readCifarSplit(spec, 'train'), readCifarSplit(spec, 'test')]);
      break;
    case 'npy':
      splits = await Promise.all([readNpySplit(spec, 'train'), readNpySplit(spec, 'test')]);
      break;
    case 'npz':
      splits = await readNpzSplits(spec);
      break;
    case 'image-folder': {
      const r = await readImageFolder(spec.path);
      if (classNames && classNames.length !== r.classNames.length) {
        throw new DataError(
          `${spec.path}: classNames has ${classNames.length} names, the folder has ${r.classNames.length} classes`,
          spec.path,
        );
      }
      classNames ??= r.classNames;
      splits = r.splits;
      break;
    }
    default:
      throw new DataError(
        `unknown dataset format '${spec.format as string}' (known: ${DATASET_FORMATS.join(', ')})`,
        spec.path,
      );
  }
  const { train, test } = toImageSets(
    name,
    `${spec.format}:${spec.path}`,
    splits[0],
    splits[1],
    classNames,
  );
  return { train, test, stats: channelStats(train) };
}
