import { DATASET_FORMATS, DATASET_NAMES, type DatasetSpec } from '@abd/data';
import { ConfigError, type Spec } from './schema';

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

const optStr: Spec = { type: 'string', optional: true };
const dim: Spec = { type: 'number', int: true, min: 1 };

export const DATASET_SCHEMA: Spec = {
  type: 'object',
  fields: {
    name: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,127}$/, optional: true },
    dir: optStr,
    format: { type: 'string', enum: DATASET_FORMATS, optional: true },
    path: optStr,
    classNames: { type: 'array', items: { type: 'string' }, optional: true, minItems: 2 },
    layout: { type: 'string', enum: ['nhwc', 'nchw'], optional: true },
    shape: { type: 'object', optional: true, fields: { height: dim, width: dim, channels: dim } },
    files: {
      type: 'object',
      optional: true,
      fields: {
        trainImages: optStr,
        trainLabels: optStr,
        testImages: optStr,
        testLabels: optStr,
        train: { type: 'array', items: { type: 'string' }, optional: true, minItems: 1 },
        test: { type: 'array', items: { type: 'string' }, optional: true, minItems: 1 },
      },
    },
    subset: {
      type: 'object',
      optional: true,
      fields: {
        fraction: { type: 'number', min: 0, max: 1, optional: true },
        count: { type: 'number', int: true, min: 1, optional: true },
        seed: { type: 'number', int: true, min: 0, max: 0xffff_ffff, default: 0 },
      },
    },
  },
};

/** The cross-field rules of `dataset` (after schema validation); returns it with `name` filled in. */
export function checkDatasetConfig(d: DatasetConfig): DatasetConfig {
  const { name, ...rest } = d;
  if (d.format === undefined) {
    const own = (['path', 'classNames', 'layout', 'shape', 'files'] as const).filter((k) => d[k] !== undefined);
    if (own.length > 0) throw new ConfigError(`dataset.${own[0]}`, `'dataset.${own[0]}' needs 'dataset.format' (${DATASET_FORMATS.join(', ')})`);
    const builtIn = name ?? 'fashion-mnist';
    if (!(DATASET_NAMES as string[]).includes(builtIn)) {
      throw new ConfigError('dataset.name', `'dataset.name' must be one of ${DATASET_NAMES.join(', ')} (or give 'dataset.format' and 'dataset.path'); got '${builtIn}'`);
    }
    // `name` first, as the schema used to fill it in: the stored config.json keeps its key order.
    return { name: builtIn, ...rest };
  }
  if (d.path === undefined) throw new ConfigError('dataset.path', `'dataset.format: ${d.format}' needs 'dataset.path'`);
  if (d.dir !== undefined) throw new ConfigError('dataset.dir', `'dataset.dir' is for built-in datasets; with 'dataset.format' give 'dataset.path'`);
  if ((d.format === 'npy' || d.format === 'npz') !== (d.layout !== undefined)) {
    throw new ConfigError('dataset.layout', d.layout === undefined ? `'dataset.format: ${d.format}' needs 'dataset.layout' (nhwc or nchw)` : `'dataset.layout' is only for npy and npz`);
  }
  if (d.shape !== undefined && d.format !== 'cifar-binary') throw new ConfigError('dataset.shape', `'dataset.shape' is only for cifar-binary (other formats carry their shape)`);
  return { name: name ?? d.path.replace(/\/+$/, '').split('/').pop() ?? d.format, ...rest };
}

/** The DatasetSpec of a config that has a `format`, else undefined (a built-in dataset). */
export function datasetSpecOf(d: DatasetConfig): DatasetSpec | undefined {
  if (d.format === undefined || d.path === undefined) return undefined;
  const { format, path, classNames, layout, shape, files } = d;
  return { format, path, classNames, layout, shape, files };
}
