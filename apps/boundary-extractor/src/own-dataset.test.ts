// A dataset given by format + path (DatasetRef.config_json): the extractor reads it with libs/train's
// loader and streams exactly LocalBatchSource's batches (subset, order, augmentation); a bad
// description is INVALID_ARGUMENT naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { subsetIndices, type LoadedDataset } from '@abd/data';
import { IMAGE_FOLDER_CLASSES, writeImageFolder } from '@abd/data/testing';
import { boundaryExtractor, common } from '@abd/proto';
import { loadConfiguredDataset, LocalBatchSource, type DatasetConfig } from '@abd/train';
import { tempDir } from '@abd/train/testing';
import {
  startExtractorTestServer,
  streamAll,
  type ExtractorTestServer,
} from './testing/extractor-server';

const [H, W] = [12, 10];
const tmp = tempDir('abd-be-own-');
let ex: ExtractorTestServer;
let client: boundaryExtractor.BoundaryExtractorClient;
let own: DatasetConfig;
let data: LoadedDataset;

before(async () => {
  await writeImageFolder(join(tmp.dir, 'images'), 4, H, W);
  own = { name: 'images', format: 'image-folder', path: join(tmp.dir, 'images') };
  data = await loadConfiguredDataset(own);
  ex = await startExtractorTestServer({});
  client = ex.client;
});
after(async () => {
  await ex.close();
  tmp.cleanup();
});

const request = (
  configJson: string,
  o: Partial<boundaryExtractor.StreamRequest> = {},
): boundaryExtractor.StreamRequest => ({
  teacher: undefined,
  dataset: { name: 'images', own: { $case: 'configJson', configJson } },
  split: common.Split.SPLIT_TRAIN,
  subset: { size: { $case: 'count', count: 15 }, seed: 3 },
  epoch: 1,
  seed: 7,
  batchSize: 4,
  augmentation: { pad: 2, flip: true },
  taps: [],
  useCache: false,
  shuffle: true,
  teacherLogits: false,
  batchNormTrainMode: false,
  startBatch: 0,
  teacherFeatures: [],
  omitSignMaps: false,
  ...o,
});

test('an image folder by format + path streams exactly the in-process batches (stratified subset, shuffle, augmentation)', async () => {
  const got = await streamAll(client, request(JSON.stringify(own)));
  const indices = subsetIndices(data.train, { count: 15, seed: 3 });
  const local = new LocalBatchSource({
    set: data.train,
    indices,
    stats: data.stats,
    batchSize: 4,
    seed: 7,
    augment: { pad: 2, flip: true },
  });
  const want = [];
  for await (const b of local.epoch(1, { signs: false, logits: false })) want.push(b);
  assert.equal(got.length, 4);
  assert.equal(got.length, want.length);
  for (const [i, b] of got.entries()) {
    assert.deepEqual(b.images!.shape, [want[i].n, H, W, 3]);
    assert.deepEqual(new Uint8Array(b.images!.data), want[i].images);
    assert.deepEqual(b.images!.labels, [...want[i].labels]);
  }
  // Every class of the 5 is in the subset (3 each).
  const labels = got.flatMap((b) => b.images!.labels);
  for (let c = 0; c < IMAGE_FOLDER_CLASSES.length; c++)
    assert.equal(labels.filter((l) => l === c).length, 3);
});

test('the test split in dataset order', async () => {
  const got = await streamAll(
    client,
    request(JSON.stringify(own), {
      split: common.Split.SPLIT_TEST,
      subset: undefined,
      shuffle: false,
      augmentation: undefined,
    }),
  );
  const images = Buffer.concat(got.map((b) => b.images!.data));
  assert.deepEqual(new Uint8Array(images), data.test.images);
});

test('a bad dataset description is INVALID_ARGUMENT naming the field, before any batch', async () => {
  const cases: [string, RegExp][] = [
    ['{not json', /dataset\.config_json: is not valid JSON/],
    [JSON.stringify({ format: 'npy', path: own.path }), /dataset\.layout/],
    [
      JSON.stringify({ format: 'tiff', path: own.path }),
      /dataset\.config_json \(dataset\.format\)/,
    ],
    [JSON.stringify({ name: 'fashion-mnist' }), /dataset\.config_json\.format: is required/],
    [JSON.stringify({ ...own, subset: { count: 5 } }), /dataset\.config_json\.subset/],
    [JSON.stringify({ ...own, path: join(tmp.dir, 'nope') }), /dataset\.config_json\.path/],
  ];
  for (const [json, re] of cases) {
    await assert.rejects(streamAll(client, request(json)), (e: ServiceError) => {
      assert.equal(e.code, status.INVALID_ARGUMENT, `${json}: ${e.details}`);
      assert.match(e.details, re, json);
      return true;
    });
  }
});
