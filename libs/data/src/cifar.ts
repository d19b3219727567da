import { readFile } from 'node:fs/promises';
import { DataError } from './data-error';

/** CIFAR-10 binary record: 1 label byte + 3×32×32 image bytes, channel-major (CHW). */
export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_RECORD = 1 + CIFAR_CHANNELS * CIFAR_SIDE * CIFAR_SIDE;

export interface RawImages {
  /** n×32×32×3 uint8, NHWC. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

/**
 * Reads CIFAR-10 binary batches (`data_batch_1.bin` …, `test_batch.bin`) and concatenates them,
 * converting each image from the file's CHW layout to NHWC.
 */
export async function readCifar10Batches(paths: string[]): Promise<RawImages> {
  if (paths.length === 0) throw new DataError('readCifar10Batches: no files given');
  const files = await Promise.all(
    paths.map(async (p) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(p);
      } catch (e) {
        throw new DataError(`cannot read CIFAR-10 batch ${p}: ${(e as Error).message}`, p);
      }
      if (bytes.length === 0 || bytes.length % CIFAR_RECORD !== 0) {
        throw new DataError(
          `${p} is not a CIFAR-10 binary batch: ${bytes.length} bytes is not a positive multiple ` +
            `of the ${CIFAR_RECORD}-byte record (1 label + 3072 pixels); expected 30730000`,
          p,
        );
      }
      return { path: p, bytes };
    }),
  );
  const n = files.reduce((s, f) => s + f.bytes.length / CIFAR_RECORD, 0);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const images = new Uint8Array(n * plane * CIFAR_CHANNELS);
  const labels = new Uint8Array(n);
  let k = 0;
  for (const { path, bytes } of files) {
    const count = bytes.length / CIFAR_RECORD;
    for (let r = 0; r < count; r++, k++) {
      const rec = r * CIFAR_RECORD;
      const label = bytes[rec];
      if (label > 9) {
        throw new DataError(
          `${path}: record ${r} has label ${label}, CIFAR-10 labels are 0..9`,
          path,
        );
      }
      labels[k] = label;
      const src = rec + 1;
      const dst = k * plane * CIFAR_CHANNELS;
      for (let p = 0; p < plane; p++) {
        const o = dst + p * CIFAR_CHANNELS;
        images[o] = bytes[src + p];
        images[o + 1] = bytes[src + plane + p];
        images[o + 2] = bytes[src + 2 * plane + p];
      }
    }
  }
  return { images, labels, n };
}
