import {
  channelStats,
  loadDataset,
  loadDatasetSpec,
  type DatasetName,
  type LoadedDataset,
} from '@abd/data';
import { datasetSpecOf, type DatasetConfig } from './dataset-config';

/**
 * Both splits and the training split's per-channel stats of a run's dataset: a built-in one by
 * name (as before), or one given by format + path, whose shape and classes come from its files.
 */
export async function loadConfiguredDataset(d: DatasetConfig): Promise<LoadedDataset> {
  const spec = datasetSpecOf(d);
  if (spec) return loadDatasetSpec(spec, d.name);
  const opts = d.dir ? { dir: d.dir } : {};
  const name = d.name as DatasetName;
  const [train, test] = await Promise.all([
    loadDataset(name, 'train', opts),
    loadDataset(name, 'test', opts),
  ]);
  return { train, test, stats: channelStats(train) };
}

/** What a run stores about its data (`runs/<id>/data.json`): where, shape, classes, normalization. */
export interface DataDescription {
  name: string;
  source: string;
  height: number;
  width: number;
  channels: number;
  classes: number;
  classNames: string[];
  trainSize: number;
  testSize: number;
  normalization: LoadedDataset['stats'];
}

export function describeData(d: LoadedDataset): DataDescription {
  const { name, source, height, width, channels, classes, classNames, n } = d.train;
  return {
    name,
    source,
    height,
    width,
    channels,
    classes,
    classNames,
    trainSize: n,
    testSize: d.test.n,
    normalization: d.stats,
  };
}
