import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from './data-error';
import type { DatasetSpec } from './dataset-spec';
import { readIdx } from './idx';
import { IDX_FILES } from './idx-files';
import type { RawSplit } from './labelled-arrays';
import { parseNpy, type NpyArray } from './npy';
import { readZipEntries } from './zip-entries';

type Split = 'train' | 'test';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new DataError(`cannot read ${what} ${path}: ${(e as Error).message}`, path);
  }
}

function countsMatch(imgFile: string, n: number, lblFile: string, m: number): void {
  if (n !== m)
    throw new DataError(
      `image/label count mismatch: ${imgFile} has ${n} images, ${lblFile} has ${m} labels`,
      lblFile,
    );
}

/** IDX images `[n, h, w]` (one channel) or `[n, h, w, c]`, labels `[n]`. */
export async function readIdxSplit(spec: DatasetSpec, split: Split): Promise<RawSplit> {
  const f = spec.files ?? {};
  const pick = async (role: keyof typeof IDX_FILES): Promise<string> => {
    const given = f[role];
    if (given) return join(spec.path, given);
    const base = join(spec.path, IDX_FILES[role]);
    try {
      await access(`${base}.gz`);
      return `${base}.gz`;
    } catch {
      return base;
    }
  };
  const [imgFile, lblFile] = await Promise.all(
    split === 'train'
      ? [pick('trainImages'), pick('trainLabels')]
      : [pick('testImages'), pick('testLabels')],
  );
  const [img, lbl] = await Promise.all([readIdx(imgFile), readIdx(lblFile)]);
  if (img.dims.length !== 3 && img.dims.length !== 4) {
    throw new DataError(
      `${imgFile}: at byte 3: images have dims [${img.dims.join(', ')}], expected [n, h, w] or [n, h, w, c]`,
      imgFile,
    );
  }
  if (lbl.dims.length !== 1)
    throw new DataError(
      `${lblFile}: at byte 3: labels have dims [${lbl.dims.join(', ')}], expected [n]`,
      lblFile,
    );
  countsMatch(imgFile, img.dims[0], lblFile, lbl.dims[0]);
  const headerLen = 4 + 4 * lbl.dims.length;
  return {
    split,
    images: img.data,
    labels: lbl.data,
    n: img.dims[0],
    height: img.dims[1],
    width: img.dims[2],
    channels: img.dims[3] ?? 1,
    labelFile: lblFile,
    labelAt: (i) => `label ${i} at byte ${headerLen + i}`,
  };
}

/** CIFAR-style records: 1 label byte + c×h×w pixels channel-major, converted to NHWC. */
export async function readCifarSplit(spec: DatasetSpec, split: Split): Promise<RawSplit> {
  const { height, width, channels } = spec.shape ?? { height: 32, width: 32, channels: 3 };
  const names =
    spec.files?.[split] ??
    (split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin']);
  const plane = height * width;
  const record = 1 + channels * plane;
  const files = await Promise.all(
    names.map(async (name) => ({
      path: join(spec.path, name),
      bytes: await readBytes(join(spec.path, name), 'CIFAR-style batch'),
    })),
  );
  for (const { path, bytes } of files) {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new DataError(
        `${path}: at byte ${bytes.length - (bytes.length % record)}: ${bytes.length} bytes is not a positive multiple of the ` +
          `${record}-byte record (1 label + ${channels}×${height}×${width}); truncated or a different shape`,
        path,
      );
    }
  }
  const n = files.reduce((s, f) => s + f.bytes.length / record, 0);
  const images = new Uint8Array(n * plane * channels);
  const labels = new Uint8Array(n);
  const where: { path: string; offset: number }[] = [];
  let k = 0;
  for (const { path, bytes } of files) {
    for (let r = 0; r < bytes.length / record; r++, k++) {
      const src = r * record;
      labels[k] = bytes[src];
      where.push({ path, offset: src });
      const dst = k * plane * channels;
      for (let c = 0; c < channels; c++) {
        const from = src + 1 + c * plane;
        for (let p = 0; p < plane; p++) images[dst + p * channels + c] = bytes[from + p];
      }
    }
  }
  return {
    split,
    images,
    labels,
    n,
    height,
    width,
    channels,
    labelFile: files[0].path,
    labelAt: (i) => `record in ${where[i].path} at byte ${where[i].offset}`,
  };
}

/** Images from a uint8 or float32 array in NHWC or NCHW; float32 values must lie in [0, 1]. */
function imagesFrom(
  a: NpyArray,
  layout: 'nhwc' | 'nchw',
  where: string,
): { images: Uint8Array; n: number; height: number; width: number; channels: number } {
  let shape = a.shape;
  if (shape.length === 3)
    shape = layout === 'nhwc' ? [...shape, 1] : [shape[0], 1, shape[1], shape[2]];
  if (shape.length !== 4)
    throw new DataError(
      `${where}: images have shape (${a.shape.join(', ')}), expected 4 dimensions (${layout})`,
      where,
    );
  if (a.dtype !== '|u1' && a.dtype !== '<u1' && a.dtype !== '<f4')
    throw new DataError(`${where}: images are ${a.dtype}; uint8 or float32 expected`, where);
  const [n, height, width, channels] =
    layout === 'nhwc' ? shape : [shape[0], shape[2], shape[3], shape[1]];
  const images = new Uint8Array(n * height * width * channels);
  const plane = height * width;
  const per = plane * channels;
  const v = a.values;
  const isFloat = a.dtype === '<f4';
  for (let i = 0; i < v.length; i++) {
    let x = v[i];
    if (isFloat) {
      if (!(x >= 0 && x <= 1))
        throw new DataError(`${where}: element ${i}: float value ${x} outside [0, 1]`, where);
      x = Math.round(x * 255);
    }
    if (layout === 'nhwc') images[i] = x;
    else {
      const img = Math.floor(i / per);
      const r = i - img * per;
      const c = Math.floor(r / plane);
      images[img * per + (r - c * plane) * channels + c] = x;
    }
  }
  return { images, n, height, width, channels };
}

function splitFrom(
  split: Split,
  img: NpyArray,
  imgWhere: string,
  lbl: NpyArray,
  lblWhere: string,
  layout: 'nhwc' | 'nchw',
): RawSplit {
  if (lbl.shape.length !== 1)
    throw new DataError(
      `${lblWhere}: labels have shape (${lbl.shape.join(', ')}), expected (n,)`,
      lblWhere,
    );
  if (lbl.dtype === '<f4')
    throw new DataError(`${lblWhere}: labels are float32; an integer dtype expected`, lblWhere);
  const im = imagesFrom(img, layout, imgWhere);
  countsMatch(imgWhere, im.n, lblWhere, lbl.shape[0]);
  return { split, ...im, labels: lbl.values, labelFile: lblWhere, labelAt: (i) => `element ${i}` };
}

function needLayout(spec: DatasetSpec): 'nhwc' | 'nchw' {
  if (spec.layout !== 'nhwc' && spec.layout !== 'nchw')
    throw new DataError(
      `${spec.path}: format ${spec.format} needs layout: nhwc or nchw`,
      spec.path,
    );
  return spec.layout;
}

/** `.npy` files in a directory. */
export async function readNpySplit(spec: DatasetSpec, split: Split): Promise<RawSplit> {
  const layout = needLayout(spec);
  const f = spec.files ?? {};
  const imgFile = join(
    spec.path,
    (split === 'train' ? f.trainImages : f.testImages) ?? `${split}-images.npy`,
  );
  const lblFile = join(
    spec.path,
    (split === 'train' ? f.trainLabels : f.testLabels) ?? `${split}-labels.npy`,
  );
  const [ib, lb] = await Promise.all([
    readBytes(imgFile, '.npy file'),
    readBytes(lblFile, '.npy file'),
  ]);
  return splitFrom(split, parseNpy(ib, imgFile), imgFile, parseNpy(lb, lblFile), lblFile, layout);
}

/** Both splits from one `.npz` archive (read once). */
export async function readNpzSplits(spec: DatasetSpec): Promise<[RawSplit, RawSplit]> {
  const layout = needLayout(spec);
  const entries = readZipEntries(await readBytes(spec.path, '.npz archive'), spec.path);
  const f = spec.files ?? {};
  const get = (name: string): [NpyArray, string] => {
    const key = name.endsWith('.npy') ? name : `${name}.npy`;
    const bytes = entries.get(key);
    const where = `${spec.path} entry '${key}'`;
    if (!bytes)
      throw new DataError(
        `${spec.path}: no entry '${key}' (has ${[...entries.keys()].join(', ')})`,
        spec.path,
      );
    return [parseNpy(bytes, where), where];
  };
  const one = (split: Split, imgName: string, lblName: string): RawSplit => {
    const [img, iw] = get(imgName);
    const [lbl, lw] = get(lblName);
    return splitFrom(split, img, iw, lbl, lw, layout);
  };
  return [
    one('train', f.trainImages ?? 'x_train', f.trainLabels ?? 'y_train'),
    one('test', f.testImages ?? 'x_test', f.testLabels ?? 'y_test'),
  ];
}
