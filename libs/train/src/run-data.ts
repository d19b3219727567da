import { channelStats, ImageSet, subsetIndices } from '@abd/data';
import type { RunConfig } from './run-config';
import { loadConfiguredDataset } from './load-configured-dataset';

/** Loaded data shared by every stage of a run. */
export interface RunData {
  train: ImageSet;
  test: ImageSet;
  stats: ReturnType<typeof channelStats>;
  indices: Int32Array;
}

export async function loadRunData(cfg: RunConfig): Promise<RunData> {
  const { train, test, stats } = await loadConfiguredDataset(cfg.dataset);
  return { train, test, stats, indices: subsetIndices(train, cfg.dataset.subset) };
}
