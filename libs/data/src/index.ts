export { DataError } from './data-error';
export type { ImageSet } from './image-set';
export { readIdx, parseIdx, encodeIdx, type IdxData } from './idx';
export { readCifar10Batches, type RawImages } from './cifar';
export {
  FASHION_MNIST_CHECKSUMS,
  FASHION_MNIST_URL,
  IDX_FILES,
  type FileChecksum,
} from './idx-files';
export { downloadVerified } from './download';
export {
  locateFashionMnist,
  locateMnist,
  locateCifar10,
  DEBIAN_FASHION_MNIST_DIR,
  type LocateOptions,
  type Located,
  type DataOrigin,
} from './locate';
export { loadDataset, type Split } from './load-dataset';
export { DatasetCache, datasetKey } from './dataset-cache';
export { datasetInfo, DATASET_NAMES, type DatasetName, type DatasetInfo } from './registry';
export { stratifiedSubset, subsetIndices, type SubsetSelection, type SubsetSpec } from './subset';
export { DEFAULT_MAX_IMAGES_PER_REQUEST, MAX_BATCH_SIZE, MAX_PAD } from './limits';
export { epochOrder, batchIndices } from './epoch-order';
export { augmentImage, type AugmentOptions } from './augment';
export {
  makeBatch,
  normalize,
  channelStats,
  type Batch,
  type BatchOptions,
  type ChannelStats,
} from './batch';
export { DATASET_FORMATS, type DatasetFormat, type DatasetSpec } from './dataset-spec';
export { loadDatasetSpec, type LoadedDataset } from './load-dataset-spec';
export { parseNpy, encodeNpy, type NpyArray } from './npy';
export { readZipEntries } from './zip-entries';
