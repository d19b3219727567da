import { z } from 'zod';
import { DATASET_FORMATS, DATASET_NAMES, type DatasetSpec } from '@abd/data';
import { didYouMean } from './did-you-mean';
import type { ConfigIssue } from './schema';

/**
 * `dataset` in a run config: a built-in name (`fashion-mnist` when nothing is given, optionally
 * `dir`), or a `format` + `path` (see DatasetSpec in @abd/data) with `name` as a label.
 */
export interface DatasetConfig extends Partial<Omit<DatasetSpec, 'format' | 'path'>> {
  name: string;
  dir?: string;
  format?: DatasetSpec['format'];
  path?: string;
  subset?: { fraction?: number; count?: number; seed: number };
}

const optStr = z.string().optional();
const dim = z.number().int().min(1);

export const DATASET_SCHEMA = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/)
      .optional()
      .describe(
        `a built-in dataset (${DATASET_NAMES.join(', ')}; default fashion-mnist), or a label for format + path`,
      ),
    dir: optStr.describe(
      "directory of a built-in dataset's files (relative to the current directory)",
    ),
    format: z.enum(DATASET_FORMATS).optional().describe('format of your own dataset (with path)'),
    path: optStr.describe(
      'file or directory of your own dataset (relative to the current directory)',
    ),
    classNames: z.array(z.string()).min(2).optional(),
    layout: z.enum(['nhwc', 'nchw']).optional().describe('image layout of npy / npz arrays'),
    shape: z
      .object({ height: dim, width: dim, channels: dim })
      .strict()
      .optional()
      .describe('image shape of cifar-binary records'),
    files: z
      .object({
        trainImages: optStr,
        trainLabels: optStr,
        testImages: optStr,
        testLabels: optStr,
        train: z.array(z.string()).min(1).optional(),
        test: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .optional(),
    subset: z
      .object({
        fraction: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe('share of the training set (stratified)'),
        count: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('images of the training set (stratified)'),
        seed: z.number().int().min(0).max(0xffff_ffff).default(0),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

/** The cross-field rules of `dataset` (after schema validation), every one that fails. */
export function datasetIssues(d: Omit<DatasetConfig, 'name'> & { name?: string }): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const add = (path: string, message: string) => out.push({ path, message });
  const sub = d.subset;
  if (sub && (sub.fraction === undefined) === (sub.count === undefined))
    add('dataset.subset', `'dataset.subset' needs exactly one of 'fraction' or 'count'`);
  if (d.format === undefined) {
    for (const k of ['path', 'classNames', 'layout', 'shape', 'files'] as const) {
      if (d[k] !== undefined)
        add(
          `dataset.${k}`,
          `'dataset.${k}' needs 'dataset.format' (${DATASET_FORMATS.join(', ')})`,
        );
    }
    const builtIn = d.name ?? 'fashion-mnist';
    if (!(DATASET_NAMES as string[]).includes(builtIn)) {
      const near = didYouMean(builtIn, DATASET_NAMES);
      add(
        'dataset.name',
        `'dataset.name' must be one of ${DATASET_NAMES.join(', ')} (or give 'dataset.format' and 'dataset.path'); got '${builtIn}'${near ? ` (did you mean '${near}'?)` : ''}`,
      );
    }
    return out;
  }
  if (d.path === undefined)
    add('dataset.path', `'dataset.format: ${d.format}' needs 'dataset.path'`);
  if (d.dir !== undefined)
    add(
      'dataset.dir',
      `'dataset.dir' is for built-in datasets; with 'dataset.format' give 'dataset.path'`,
    );
  if ((d.format === 'npy' || d.format === 'npz') !== (d.layout !== undefined)) {
    add(
      'dataset.layout',
      d.layout === undefined
        ? `'dataset.format: ${d.format}' needs 'dataset.layout' (nhwc or nchw)`
        : `'dataset.layout' is only for npy and npz`,
    );
  }
  if (d.shape !== undefined && d.format !== 'cifar-binary')
    add(
      'dataset.shape',
      `'dataset.shape' is only for cifar-binary (other formats carry their shape)`,
    );
  return out;
}

/** A valid `dataset` with `name` filled in (the built-in default, or the path's last part). */
export function completeDataset(d: Omit<DatasetConfig, 'name'> & { name?: string }): DatasetConfig {
  const { name, ...rest } = d;
  // `name` first, as the schema used to fill it in: the stored config.json keeps its key order.
  if (d.format === undefined) return { name: name ?? 'fashion-mnist', ...rest };
  return { name: name ?? d.path?.replace(/\/+$/, '').split('/').pop() ?? d.format, ...rest };
}

/** The DatasetSpec of a config that has a `format`, else undefined (a built-in dataset). */
export function datasetSpecOf(d: DatasetConfig): DatasetSpec | undefined {
  if (d.format === undefined || d.path === undefined) return undefined;
  const { format, path, classNames, layout, shape, files } = d;
  return { format, path, classNames, layout, shape, files };
}
