import { stat } from 'node:fs/promises';
import { channelStats, type ChannelStats } from './batch';
import type { ImageSet } from './image-set';
import { loadDataset, splitFiles, type Split } from './load-dataset';
import type { LocateOptions } from './locate';
import type { DatasetName } from './registry';

/**
 * What a loaded split is a function of: its name and split, where it was found, and the identity
 * of each file it is read from (path, size, mtime, inode), so a replaced or re-installed dataset
 * is read again while an unchanged one is not.
 */
export async function datasetKey(
  name: DatasetName,
  split: Split,
  opts: LocateOptions = {},
): Promise<string> {
  const { where, files } = await splitFiles(name, split, opts);
  const ids = await Promise.all(
    files.map((f, i) =>
      f === undefined
        ? `file ${i}:missing`
        : stat(f).then(
            (s) => `${f}:${s.size}:${s.mtimeMs}:${s.ino}`,
            () => `${f}:missing`,
          ),
    ),
  );
  return JSON.stringify([name, split, where.source, where.dir, ...ids]);
}

/**
 * Loaded splits and the channel statistics of splits, kept for the life of a process (a server
 * evaluating many requests on the same data reads it once). Sets are kept up to `maxSets`
 * (least recently used dropped first); statistics are a few numbers and kept up to `maxStats`.
 * Concurrent requests for the same split share one load; a failed load is not kept.
 */
export class DatasetCache {
  private readonly sets = new Map<string, Promise<ImageSet>>();
  private readonly stats = new Map<string, Promise<ChannelStats>>();
  /** Files read so far (a measure for tests and logs). */
  loads = 0;

  constructor(
    private readonly maxSets = 4,
    private readonly maxStats = 64,
  ) {}

  /** The split, as `loadDataset` returns it (the same object while its files are unchanged). */
  async load(name: DatasetName, split: Split, opts: LocateOptions = {}): Promise<ImageSet> {
    const key = await datasetKey(name, split, opts);
    return this.remember(this.sets, key, this.maxSets, () => this.read(name, split, opts));
  }

  /** `channelStats` of the whole split; its images are not kept unless `load` holds them already. */
  async channelStats(
    name: DatasetName,
    split: Split,
    opts: LocateOptions = {},
  ): Promise<ChannelStats> {
    const key = await datasetKey(name, split, opts);
    return this.remember(this.stats, key, this.maxStats, async () =>
      channelStats(await (this.sets.get(key) ?? this.read(name, split, opts))),
    );
  }

  private read(name: DatasetName, split: Split, opts: LocateOptions): Promise<ImageSet> {
    this.loads++;
    return loadDataset(name, split, opts);
  }

  private remember<T>(
    map: Map<string, Promise<T>>,
    key: string,
    max: number,
    make: () => Promise<T>,
  ): Promise<T> {
    let p = map.get(key);
    if (p) map.delete(key);
    else {
      p = make();
      const made = p;
      made.catch(() => map.get(key) === made && map.delete(key));
    }
    map.set(key, p);
    while (map.size > max) map.delete(map.keys().next().value!);
    return p;
  }
}
