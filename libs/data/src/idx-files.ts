/**
 * The four files of an MNIST-layout dataset (MNIST, Fashion-MNIST) and the checksums of the
 * Fashion-MNIST release.
 */

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** File names without the `.gz` suffix; either `<name>.gz` or the raw `<name>` is accepted. */
export const IDX_FILES: Record<IdxRole, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export interface FileChecksum {
  /** The file name as served (with `.gz`). */
  file: string;
  /** MD5 of the file as served. */
  md5?: string;
  /** SHA-256 of the decompressed content: also accepts a mirror that re-compressed the file. */
  contentSha256?: string;
}

/** Where Fashion-MNIST is published (override with env ABD_FASHION_MNIST_URL). */
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * `md5`: the canonical values from the Fashion-MNIST README. `contentSha256`: computed from the
 * decompressed files of Debian's `dataset-fashion-mnist` 0.0~git20200523.55506a9-1. Debian
 * re-gzipped the files (no name in the gzip header, a 2020 timestamp), so its .gz bytes do not
 * have the README's MD5s; their content is what is compared instead.
 */
export const FASHION_MNIST_CHECKSUMS: FileChecksum[] = [
  {
    file: 'train-images-idx3-ubyte.gz',
    md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    contentSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  },
  {
    file: 'train-labels-idx1-ubyte.gz',
    md5: '25c81989df183df01b3e8a0aad5dffbe',
    contentSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  },
  {
    file: 't10k-images-idx3-ubyte.gz',
    md5: 'bef4ecab320f06d8554ea6380940ec79',
    contentSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  },
  {
    file: 't10k-labels-idx1-ubyte.gz',
    md5: 'bb300cfdad3c16e7a12a480ee83cd310',
    contentSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
];
