import { DataError } from './data-error';

export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10';

export interface DatasetInfo {
  height: number;
  width: number;
  channels: number;
  classes: number;
  classNames: string[];
  /** Whether horizontal flip is a valid augmentation (false for digits). */
  flip: boolean;
}

const DATASETS: Record<DatasetName, DatasetInfo> = {
  'fashion-mnist': {
    height: 28,
    width: 28,
    channels: 1,
    classes: 10,
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    flip: true,
  },
  mnist: {
    height: 28,
    width: 28,
    channels: 1,
    classes: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    flip: false,
  },
  cifar10: {
    height: 32,
    width: 32,
    channels: 3,
    classes: 10,
    classNames: [
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ],
    flip: true,
  },
};

/** Names of the datasets the registry knows. */
export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.prototype.hasOwnProperty.call(DATASETS, name);
}

/** Shape, classes and augmentation facts of a dataset; unknown names throw a DataError. */
export function datasetInfo(name: string): DatasetInfo {
  if (!isDatasetName(name)) {
    throw new DataError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  }
  const info = DATASETS[name];
  return { ...info, classNames: [...info.classNames] };
}
