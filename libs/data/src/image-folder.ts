import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataError } from './data-error';
import type { RawSplit } from './labelled-arrays';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** The class folders of `<root>/<split>/`, sorted by name (label = index), and their images. */
async function listSplit(
  root: string,
  split: string,
): Promise<{ classes: string[]; files: { path: string; label: number }[] }> {
  const dir = join(root, split);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new DataError(`image folder: cannot list ${dir}: ${(e as Error).message}`, dir);
  }
  const classes = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (classes.length === 0)
    throw new DataError(
      `image folder: ${dir} has no class folders (<root>/${split}/<class>/*.png|jpg)`,
      dir,
    );
  const files: { path: string; label: number }[] = [];
  for (let c = 0; c < classes.length; c++) {
    const names = (await readdir(join(dir, classes[c]))).filter((f) => IMAGE_EXT.test(f)).sort();
    if (names.length === 0)
      throw new DataError(
        `image folder: class folder ${join(dir, classes[c])} has no .png/.jpg images`,
        join(dir, classes[c]),
      );
    for (const f of names) files.push({ path: join(dir, classes[c], f), label: c });
  }
  return { classes, files };
}

/**
 * Reads `<root>/train/<class>/*` and `<root>/test/<class>/*` (PNG or JPEG, decoded by sharp).
 * Classes are the train split's folder names in sorted order; the test split must have the same.
 * All images must share the first image's size and channel count (an alpha channel is dropped;
 * greyscale stays one channel).
 */
export async function readImageFolder(
  root: string,
): Promise<{ classNames: string[]; splits: [RawSplit, RawSplit] }> {
  const train = await listSplit(root, 'train');
  const test = await listSplit(root, 'test');
  if (train.classes.join('\n') !== test.classes.join('\n')) {
    throw new DataError(
      `image folder: ${join(root, 'test')} has classes [${test.classes.join(', ')}], ${join(root, 'train')} has [${train.classes.join(', ')}]`,
      join(root, 'test'),
    );
  }
  let shape: { height: number; width: number; channels: number; from: string } | undefined;
  const decode = async (
    split: 'train' | 'test',
    files: { path: string; label: number }[],
  ): Promise<RawSplit> => {
    let images: Uint8Array | undefined;
    for (let i = 0; i < files.length; i++) {
      const { path } = files[i];
      let data: Buffer;
      let info: sharp.OutputInfo;
      try {
        ({ data, info } = await sharp(path)
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true }));
      } catch (e) {
        throw new DataError(`image folder: ${path}: cannot decode: ${(e as Error).message}`, path);
      }
      if (!shape)
        shape = { height: info.height, width: info.width, channels: info.channels, from: path };
      if (
        info.height !== shape.height ||
        info.width !== shape.width ||
        info.channels !== shape.channels
      ) {
        throw new DataError(
          `image folder: ${path}: is ${info.height}×${info.width}×${info.channels}, ${shape.from} is ${shape.height}×${shape.width}×${shape.channels} (all images must match)`,
          path,
        );
      }
      const per = shape.height * shape.width * shape.channels;
      images ??= new Uint8Array(files.length * per);
      images.set(data, i * per);
    }
    const s = shape as NonNullable<typeof shape>;
    return {
      split,
      images: images as Uint8Array,
      labels: files.map((f) => f.label),
      n: files.length,
      height: s.height,
      width: s.width,
      channels: s.channels,
      labelFile: join(root, split),
      labelAt: (i) => `image ${files[i].path}`,
    };
  };
  return {
    classNames: train.classes,
    splits: [await decode('train', train.files), await decode('test', test.files)],
  };
}
