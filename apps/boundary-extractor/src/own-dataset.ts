import { DataError, type ImageSet, type LoadedDataset } from '@abd/data';
import { InvalidArgumentError } from '@abd/grpc-kit';
import type { common } from '@abd/proto';
import {
  ConfigError,
  datasetConfigOf,
  loadConfiguredDataset,
  type DatasetConfig,
} from '@abd/train';

const FIELD = 'dataset.config_json';

/**
 * The dataset a DatasetRef gives by format + path (`config_json`, a run config's `dataset`
 * object), checked by libs/train's own rules; undefined for a built-in dataset by name. The
 * subset is the request's (StreamRequest.subset), so one in the JSON is refused, not ignored.
 */
export function ownDatasetOf(ref: common.DatasetRef | undefined): DatasetConfig | undefined {
  if (ref?.own?.$case !== 'configJson') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(ref.own.configJson);
  } catch (e) {
    throw new InvalidArgumentError(FIELD, `is not valid JSON: ${(e as Error).message}`);
  }
  let d: DatasetConfig;
  try {
    d = datasetConfigOf(raw);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new InvalidArgumentError(`${FIELD} (${e.path || 'dataset'})`, e.message);
    throw e;
  }
  if (!d.format)
    throw new InvalidArgumentError(
      `${FIELD}.format`,
      `is required (a built-in dataset is named by dataset.name alone)`,
    );
  if (d.subset)
    throw new InvalidArgumentError(`${FIELD}.subset`, 'give the subset as the request’s subset');
  return d;
}

/** Loads each dataset given by format + path once per process (both splits: the stats are the training split's). */
export class OwnDatasets {
  private readonly sets = new Map<string, Promise<LoadedDataset>>();

  get(d: DatasetConfig, split: 'train' | 'test'): Promise<ImageSet> {
    const key = JSON.stringify(d);
    let p = this.sets.get(key);
    if (!p) {
      // Unreadable files are the request's fault (its path or format), said naming the field.
      p = loadConfiguredDataset(d).catch((e: Error & { code?: string }) => {
        if (e instanceof DataError || e.code === 'ENOENT' || e.code === 'ENOTDIR')
          throw new InvalidArgumentError(`${FIELD}.path`, e.message);
        throw e;
      });
      this.sets.set(key, p);
      p.catch(() => this.sets.delete(key));
    }
    return p.then((x) => x[split]);
  }
}
