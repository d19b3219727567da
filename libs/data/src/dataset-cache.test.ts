import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { channelStats } from './batch';
import { DatasetCache } from './dataset-cache';
import { loadDataset } from './load-dataset';
import { tempDir, writeIdxDataset } from './test-fixtures';

const tmp = tempDir('abd-cache-');
after(tmp.cleanup);
const sub = (name: string): string => {
  const d = join(tmp.dir, name);
  mkdirSync(d, { recursive: true });
  return d;
};

test('a split is read once while its files are unchanged; concurrent requests share the read', async () => {
  const dir = sub('same');
  writeIdxDataset(dir, 12, 5);
  const cache = new DatasetCache();
  const [a, b] = await Promise.all([
    cache.load('fashion-mnist', 'test', { dir }),
    cache.load('fashion-mnist', 'test', { dir }),
  ]);
  const c = await cache.load('fashion-mnist', 'test', { dir });
  assert.equal(cache.loads, 1);
  assert.ok(a === b && b === c, 'the same set');
  assert.deepEqual(a, await loadDataset('fashion-mnist', 'test', { dir }));
  // Another split or another directory is another entry.
  assert.equal((await cache.load('fashion-mnist', 'train', { dir })).n, 12);
  const other = sub('other');
  writeIdxDataset(other, 7, 3);
  assert.equal((await cache.load('fashion-mnist', 'test', { dir: other })).n, 3);
  assert.equal(cache.loads, 3);
});

test('statistics = channelStats of the split, computed once, without keeping its images', async () => {
  const dir = sub('stats');
  writeIdxDataset(dir, 20, 4);
  const cache = new DatasetCache();
  const want = channelStats(await loadDataset('fashion-mnist', 'train', { dir }));
  assert.deepEqual(await cache.channelStats('fashion-mnist', 'train', { dir }), want);
  assert.deepEqual(await cache.channelStats('fashion-mnist', 'train', { dir }), want);
  assert.equal(cache.loads, 1);
  // The images were not kept: loading the split reads it.
  await cache.load('fashion-mnist', 'train', { dir });
  assert.equal(cache.loads, 2);
});

test('rewritten files are read again; at most maxSets sets are kept; a failed read is not kept', async () => {
  const dir = sub('changing');
  writeIdxDataset(dir, 10, 4);
  const cache = new DatasetCache(1);
  assert.equal((await cache.load('fashion-mnist', 'test', { dir })).n, 4);
  writeIdxDataset(dir, 10, 6);
  assert.equal((await cache.load('fashion-mnist', 'test', { dir })).n, 6);
  assert.equal(cache.loads, 2);
  await cache.load('fashion-mnist', 'train', { dir });
  await cache.load('fashion-mnist', 'test', { dir });
  assert.equal(cache.loads, 4, 'with room for one set, the test split was dropped for the train');
  const empty = sub('empty');
  const fails = new DatasetCache();
  await assert.rejects(fails.load('fashion-mnist', 'test', { dir: empty }), /lacks/);
  writeIdxDataset(empty, 3, 2);
  assert.equal((await fails.load('fashion-mnist', 'test', { dir: empty })).n, 2);
});
