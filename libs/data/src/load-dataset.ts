import { join } from 'node:path';
import { readCifar10Batches } from './cifar';
import { DataError } from './data-error';
import { readIdx } from './idx';
import type { IdxRole } from './idx-files';
import type { ImageSet } from './image-set';
import {
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  idxPath,
  locateCifar10,
  locateFashionMnist,
  locateMnist,
  type LocateOptions,
} from './locate';
import { datasetInfo, type DatasetName } from './registry';

export type Split = 'train' | 'test';

/**
 * Where one split of a built-in dataset is: the place it was found, and its files in reading
 * order (CIFAR-10's batch files; IDX images then labels, undefined for one that is not there).
 * What loadDataset reads and what DatasetCache keys a loaded split by.
 */
export async function splitFiles(
  name: DatasetName,
  split: Split,
  opts: LocateOptions = {},
): Promise<{ where: { dir: string; source: string }; files: (string | undefined)[] }> {
  if (name === 'cifar10') {
    const where = await locateCifar10(opts);
    const names = split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES;
    return { where, files: names.map((f) => join(where.dir, f)) };
  }
  const where = name === 'mnist' ? await locateMnist(opts) : await locateFashionMnist(opts);
  const roles: IdxRole[] =
    split === 'train' ? ['trainImages', 'trainLabels'] : ['testImages', 'testLabels'];
  return { where, files: await Promise.all(roles.map((r) => idxPath(where.dir, r))) };
}

/** Loads one split of a dataset from the first place it is found (see locateFashionMnist). */
export async function loadDataset(
  name: DatasetName,
  split: Split,
  opts: LocateOptions = {},
): Promise<ImageSet> {
  const info = datasetInfo(name);
  if (split !== 'train' && split !== 'test') {
    throw new DataError(`${name}: unknown split '${split as string}' (train or test)`);
  }
  let images: Uint8Array;
  let labels: Uint8Array;
  let n: number;
  let source: string;
  const { where, files } = await splitFiles(name, split, opts);
  if (name === 'cifar10') {
    ({ images, labels, n } = await readCifar10Batches(files as string[]));
    source = `${where.source}:${where.dir}`;
  } else {
    const [imgPath, lblPath] = files;
    if (!imgPath || !lblPath) {
      throw new DataError(`${name}: ${where.dir} lost its ${split} files while loading`, where.dir);
    }
    const [img, lbl] = await Promise.all([readIdx(imgPath), readIdx(lblPath)]);
    const want = [info.height, info.width];
    if (img.dims.length !== 3 || img.dims[1] !== want[0] || img.dims[2] !== want[1]) {
      throw new DataError(
        `${imgPath}: images have dims [${img.dims.join(', ')}], ${name} needs [n, ${want.join(', ')}]`,
        imgPath,
      );
    }
    if (lbl.dims.length !== 1) {
      throw new DataError(
        `${lblPath}: labels have dims [${lbl.dims.join(', ')}], expected [n]`,
        lblPath,
      );
    }
    if (img.dims[0] !== lbl.dims[0]) {
      throw new DataError(
        `image/label count mismatch: ${imgPath} has ${img.dims[0]} images, ${lblPath} has ${lbl.dims[0]} labels`,
        lblPath,
      );
    }
    for (let i = 0; i < lbl.data.length; i++) {
      if (lbl.data[i] >= info.classes) {
        throw new DataError(
          `${lblPath}: label ${lbl.data[i]} at ${i} ≥ ${info.classes} classes`,
          lblPath,
        );
      }
    }
    images = img.data;
    labels = lbl.data;
    n = img.dims[0];
    source = `${where.source}:${where.dir}`;
  }
  return {
    name,
    split,
    images,
    labels,
    n,
    height: info.height,
    width: info.width,
    channels: info.channels,
    classes: info.classes,
    classNames: info.classNames,
    source,
  };
}
