import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { channelStats, loadDataset, stratifiedSubset, type ImageSet } from '@abd/data';
import { boundaryExtractor } from '@abd/proto';
import { getCheckpoint, LocalBatchSource, type EpochRequest, type TrainBatch } from '@abd/train';
import { RemoteBatchSource } from '@abd/train-io';
import { startServiceStack, type ServiceStack } from '@abd/train-io/testing';
import { TeacherPool } from './teacher-pool';
import { startExtractorTestServer, type ExtractorTestServer } from './testing/extractor-server';

// The FitNets / FSP / AT teachers' maps through the stream (StreamRequest.teacher_features):
// the same floats as the in-process LocalBatchSource computes, BN in either mode.
let stack: ServiceStack;
let train: ImageSet;
let ex: ExtractorTestServer;
let pool: TeacherPool;
let client: boundaryExtractor.BoundaryExtractorClient;

before(async () => {
  stack = await startServiceStack({ teachers: 1, extractor: false });
  train = await loadDataset('fashion-mnist', 'train', { dir: stack.fx.dataDir });
  pool = new TeacherPool([stack.teachers[0].address], { window: 4 });
  ex = await startExtractorTestServer({ pool, store: stack.fx.store });
  client = ex.client;
});
after(async () => {
  pool.close();
  await ex.close();
  await stack.stop();
});

const recipe = (teacherBnMode: 'eval' | 'train') => ({
  seed: 5,
  batchSize: 8,
  augment: { pad: 4, flip: true },
  stats: channelStats(train),
  teacherBnMode,
});

async function all(src: { epoch: LocalBatchSource['epoch'] }, req: EpochRequest) {
  const out: TrainBatch[] = [];
  for await (const b of src.epoch(1, req)) out.push(b);
  return out;
}

async function local(mode: 'eval' | 'train', req: EpochRequest): Promise<TrainBatch[]> {
  const ck = await getCheckpoint(stack.fx.store, 'models/teacher-a');
  const src = new LocalBatchSource({
    set: train,
    indices: stratifiedSubset(train.labels, train.classes, { count: 32 }, 0),
    ...recipe(mode),
    teacher: ck.model,
  });
  const out = await all(src, req);
  ck.model.dispose();
  return out;
}

const remote = (mode: 'eval' | 'train', useCache = false) =>
  new RemoteBatchSource({
    client,
    teacher: { id: 'teacher-a' },
    dataset: 'fashion-mnist',
    subset: { count: 32, seed: 0 },
    size: 32,
    shape: { height: 28, width: 28, channels: 1 },
    ...recipe(mode),
    useCache,
  });

function assertSame(got: TrainBatch[], want: TrainBatch[], points: string[]): void {
  assert.equal(got.length, 4);
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i];
    assert.deepEqual(Buffer.from(g.images), Buffer.from(w.images), `images of batch ${i}`);
    assert.deepEqual(g.teacherLogits, w.teacherLogits, `logits of batch ${i}`);
    assert.equal(g.signBits, undefined, 'no sign maps asked for, none sent');
    assert.deepEqual(
      g.teacherFeatures!.map((f) => f.name),
      points,
    );
    g.teacherFeatures!.forEach((f, k) => {
      assert.deepEqual(f.shape, w.teacherFeatures![k].shape);
      assert.deepEqual(f.values, w.teacherFeatures![k].values, `${f.name} of batch ${i}`);
    });
  });
}

test('teacher features with BN in train mode and KD logits in eval mode: bitwise the in-process batches, counted by teacher-inference', async () => {
  const points = ['tap2', 'group1.out', 'group3.in'];
  const req = { signs: false, logits: true, features: points };
  const before = await stack.teacherFeatureImages(stack.teachers[0]);
  const got = await all(remote('train'), req);
  assert.equal((await stack.teacherFeatureImages(stack.teachers[0])) - before, 32);
  assertSame(got, await local('train', req), points);
  // Batch statistics change the maps: the eval-mode maps differ, the logits do not.
  const evalMaps = await local('eval', req);
  assert.notDeepEqual(got[0].teacherFeatures![0].values, evalMaps[0].teacherFeatures![0].values);
  assert.deepEqual(got[0].teacherLogits, evalMaps[0].teacherLogits);
});

test('teacher features in eval mode come from the cache on a second read, bit for bit', async () => {
  const points = ['group2.out'];
  const req = { signs: false, logits: false, features: points };
  const first = await all(remote('eval', true), req);
  const served = await stack.teacherImages(stack.teachers[0]);
  const second = await all(remote('eval', true), req);
  assert.equal(await stack.teacherImages(stack.teachers[0]), served, 'no teacher forward');
  assertSame(second, first, points);
  assertSame(first, await local('eval', req), points);
});
