import { DataError } from './data-error';
import type { ImageSet } from './image-set';

/** One split as read from files, before the class count (shared by both splits) is known. */
export interface RawSplit {
  split: 'train' | 'test';
  /** n×h×w×c uint8 NHWC. */
  images: Uint8Array;
  labels: ArrayLike<number>;
  n: number;
  height: number;
  width: number;
  channels: number;
  /** The label file (or entry) and how to say where label i is, for errors. */
  labelFile: string;
  labelAt: (i: number) => string;
}

/**
 * Turns the two splits into ImageSets: same image shape in both, labels integers in
 * 0..classes-1 where classes is `classNames.length`, or else 1 + the largest training label.
 */
export function toImageSets(
  name: string,
  source: string,
  train: RawSplit,
  test: RawSplit,
  classNames?: string[],
): { train: ImageSet; test: ImageSet } {
  if (
    train.height !== test.height ||
    train.width !== test.width ||
    train.channels !== test.channels
  ) {
    throw new DataError(
      `${name}: train images are ${train.height}×${train.width}×${train.channels}, test images ${test.height}×${test.width}×${test.channels}`,
      test.labelFile,
    );
  }
  let classes = classNames?.length ?? 0;
  if (!classNames)
    for (let i = 0; i < train.n; i++) classes = Math.max(classes, train.labels[i] + 1);
  if (classes < 2 || classes > 256) {
    throw new DataError(`${name}: ${classes} classes (2..256 supported)`, train.labelFile);
  }
  const names = classNames ?? Array.from({ length: classes }, (_, c) => String(c));
  const make = (s: RawSplit): ImageSet => {
    const labels = new Uint8Array(s.n);
    for (let i = 0; i < s.n; i++) {
      const v = s.labels[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new DataError(
          `${s.labelFile}: ${s.labelAt(i)}: label ${v} is not a class index 0..${classes - 1}`,
          s.labelFile,
        );
      }
      labels[i] = v;
    }
    const { images, n, height, width, channels } = s;
    return {
      name,
      split: s.split,
      images,
      labels,
      n,
      height,
      width,
      channels,
      classes,
      classNames: [...names],
      source,
    };
  };
  return { train: make(train), test: make(test) };
}
