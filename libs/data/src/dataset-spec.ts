/** A dataset given by file format and path rather than by a built-in name. */
export const DATASET_FORMATS = ['idx', 'cifar-binary', 'image-folder', 'npy', 'npz'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface DatasetSpec {
  format: DatasetFormat;
  /**
   * idx, cifar-binary, npy: a directory holding the files; image-folder: the root holding
   * `train/<class>/*` and `test/<class>/*`; npz: the archive.
   */
  path: string;
  /** Class names, index = label; their count is the class count. Default: labels 0..max. */
  classNames?: string[];
  /** npy/npz: how the image arrays are laid out. Required for those formats. */
  layout?: 'nhwc' | 'nchw';
  /** cifar-binary: the record's image shape (the format has no header). Default 32×32×3. */
  shape?: { height: number; width: number; channels: number };
  /**
   * File (or npz entry) names, relative to `path`. Defaults: idx the MNIST names
   * (`train-images-idx3-ubyte[.gz]` …); cifar-binary `data_batch_1..5.bin` / `test_batch.bin`;
   * npy `train-images.npy`, `train-labels.npy`, `test-images.npy`, `test-labels.npy`;
   * npz entries `x_train`, `y_train`, `x_test`, `y_test`.
   */
  files?: {
    trainImages?: string;
    trainLabels?: string;
    testImages?: string;
    testLabels?: string;
    train?: string[];
    test?: string[];
  };
}
