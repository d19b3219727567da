import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { status, type ServiceError } from '@grpc/grpc-js';
import { channelStats, loadDataset, stratifiedSubset, type ImageSet } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { boundaryExtractor, common } from '@abd/proto';
import { getCheckpoint, LocalBatchSource, putCheckpoint, type TrainBatch } from '@abd/train';
import { Wrn } from '@abd/models';
import { RemoteBatchSource } from '@abd/train-io';
import { startServiceStack, type ServiceProcess, type ServiceStack } from '@abd/train-io/testing';
import type { ServiceFixture } from '@abd/train/testing';
import { DatasetCache, planBatches } from './batch-plan';
import { boundaryExtractorService } from './boundary-extractor.service';
import { cachePrefix, CheckpointHashes } from './cache-key';
import { TeacherPool } from './teacher-pool';
import { streamAll } from './testing/extractor-server';

let stack: ServiceStack;
let fx: ServiceFixture;
let train: ImageSet;
/** Two teacher-inference processes; the extractor under test runs in this process. */
let teachers: ServiceProcess[];
const opened: RunningServer[] = [];
const quiet = { log: silentLogger, auth: null, tls: null } as const;
/** Images each replica has computed (its Prometheus counter). */
const served = (t: ServiceProcess) => stack.teacherImages(t);
const servedAll = async () => (await Promise.all(teachers.map(served))).reduce((a, b) => a + b, 0);

async function startExtractor(
  addresses: string[],
  window = 4,
): Promise<{ client: boundaryExtractor.BoundaryExtractorClient; pool: TeacherPool }> {
  const pool = new TeacherPool(addresses, { window });
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [boundaryExtractorService({ pool, store: fx.store, log: silentLogger })],
    ...quiet,
  });
  opened.push(server);
  return {
    client: makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${server.port}`),
    pool,
  };
}

before(async () => {
  stack = await startServiceStack({ teachers: 2, extractor: false });
  fx = stack.fx;
  teachers = stack.teachers;
  train = await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir });
});
after(async () => {
  for (const s of opened) await s.shutdown(200);
  await stack.stop();
});

const subset = { count: 64, seed: 0 };
const sourceOpts = (batchSize = 8) => ({
  dataset: 'fashion-mnist',
  subset,
  seed: 5,
  batchSize,
  augment: { pad: 4, flip: true },
  size: 64,
  stats: channelStats(train),
  shape: { height: 28, width: 28, channels: 1 },
});

/** A Stream request for teacher-a's maps and logits of 16 training images in two batches of 8. */
const twoBatches: boundaryExtractor.StreamRequest = {
  teacher: { id: 'teacher-a', epoch: 0 },
  dataset: { name: 'fashion-mnist' },
  split: common.Split.SPLIT_TRAIN,
  subset: { size: { $case: 'count', count: 16 }, seed: 0 },
  epoch: 0,
  seed: 1,
  batchSize: 8,
  augmentation: undefined,
  taps: [],
  useCache: false,
  shuffle: true,
  teacherLogits: true,
  batchNormTrainMode: false,
  startBatch: 0,
  teacherFeatures: [],
  omitSignMaps: false,
};

async function reference(epoch: number): Promise<TrainBatch[]> {
  const ck = await getCheckpoint(fx.store, 'models/teacher-a');
  const o = sourceOpts();
  const local = new LocalBatchSource({
    set: train,
    indices: stratifiedSubset(train.labels, train.classes, { count: 64 }, 0),
    stats: o.stats,
    batchSize: 8,
    seed: 5,
    augment: o.augment,
    teacher: ck.model,
  });
  const out: TrainBatch[] = [];
  for await (const b of local.epoch(epoch, { signs: true, logits: true })) out.push(b);
  ck.model.dispose();
  return out;
}

async function collect(
  src: RemoteBatchSource,
  epoch: number,
  each?: (i: number) => Promise<void>,
): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of src.epoch(epoch, { signs: true, logits: true })) {
    out.push(b);
    await each?.(out.length);
  }
  return out;
}

function assertSame(got: TrainBatch[], want: TrainBatch[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const w = want[i];
    assert.equal(g.index, w.index);
    assert.deepEqual(Buffer.from(g.images), Buffer.from(w.images), `images of batch ${i}`);
    assert.deepEqual(g.labels, w.labels);
    assert.deepEqual(g.signShapes, w.signShapes);
    assert.equal(g.signBits!.length, w.signBits!.length);
    g.signBits!.forEach((s, k) =>
      assert.deepEqual(Buffer.from(s), Buffer.from(w.signBits![k]), `signs of batch ${i} tap ${k}`),
    );
    assert.deepEqual(g.teacherLogits, w.teacherLogits, `logits of batch ${i}`);
  });
}

test('two teacher replicas: the same batches, signs and logits as LocalBatchSource, in order; both served', async () => {
  const { client, pool } = await startExtractor(teachers.map((t) => t.address));
  const src = new RemoteBatchSource({ client, teacher: { id: 'teacher-a' }, ...sourceOpts() });
  const before = await Promise.all(teachers.map(served));
  assertSame(await collect(src, 1), await reference(1));
  const now = await Promise.all(teachers.map(served));
  now.forEach((n, i) => assert.ok(n > before[i], `replica ${i} served no batch`));
  assert.equal(
    [...pool.served.values()].reduce((a, b) => a + b, 0),
    8,
  );
  // 1 bit per neuron: (28·28·16 + 14·14·32 + 7·7·64)/8 bytes per image.
  assert.equal(src.signBytes / src.images, (28 * 28 * 16 + 14 * 14 * 32 + 7 * 7 * 64) / 8);
  client.close();
  pool.close();
});

test('the sign-map cache: a second identical request is served from the store, bit for bit', async () => {
  const { client, pool } = await startExtractor(teachers.map((t) => t.address));
  const src = new RemoteBatchSource({
    client,
    teacher: { id: 'teacher-a' },
    ...sourceOpts(),
    useCache: true,
  });
  const first = await collect(src, 2);
  const firstServed = await Promise.all(teachers.map(served));
  const second = await collect(src, 2);
  assert.deepEqual(
    await Promise.all(teachers.map(served)),
    firstServed,
    'no teacher call for the cached epoch',
  );
  assertSame(second, first);
  assertSame(first, await reference(2));
  const keys = (await fx.store.list('signs/teacher-a/')).map((o) => o.key);
  assert.equal(keys.filter((k) => k.endsWith('.pb')).length, 8);
  assert.ok(keys.some((k) => k.endsWith('complete.json')));
  client.close();
  pool.close();
});

test('the sign-map cache key covers the teacher files and every field of the request; the same request is the same key', async () => {
  const data = new DatasetCache(fx.dataDir);
  const hashes = new CheckpointHashes(fx.store);
  const copy = async (from: string, to: string) => {
    for (const f of ['model.json', 'weights.bin'])
      await fx.store.put(`models/${to}/${f}`, await fx.store.get(`models/${from}/${f}`));
  };
  await copy('teacher-a', 'teacher-r');
  const req: boundaryExtractor.StreamRequest = {
    ...twoBatches,
    teacher: { id: 'teacher-r', epoch: 0 },
    augmentation: { pad: 4, flip: false },
    useCache: true,
  };
  const keyOf = async (r: boundaryExtractor.StreamRequest) =>
    cachePrefix(await planBatches(r, data), hashes);
  const key = await keyOf(req);
  assert.ok(key?.startsWith('signs/teacher-r/fashion-mnist/'));
  assert.equal(await keyOf({ ...req }), key, 'the same request, the same key');
  const changed: Record<string, Partial<boundaryExtractor.StreamRequest>> = {
    'teacher.id': { teacher: { id: 'teacher-a', epoch: 0 } },
    split: { split: common.Split.SPLIT_TEST },
    'subset.count': { subset: { size: { $case: 'count', count: 24 }, seed: 0 } },
    'subset.seed': { subset: { size: { $case: 'count', count: 16 }, seed: 1 } },
    epoch: { epoch: 1 },
    seed: { seed: 2 },
    batchSize: { batchSize: 4 },
    'augmentation.pad': { augmentation: { pad: 2, flip: false } },
    'augmentation.flip': { augmentation: { pad: 4, flip: true } },
    augmentation: { augmentation: undefined },
    taps: { taps: ['tap1'] },
    shuffle: { shuffle: false },
    teacherLogits: { teacherLogits: false },
    batchNormTrainMode: { batchNormTrainMode: true },
  };
  const seen = new Set([key]);
  for (const [name, over] of Object.entries(changed)) {
    const k = await keyOf({ ...req, ...over });
    assert.ok(k && !seen.has(k), `changing ${name} changes the key`);
    seen.add(k);
  }
  assert.equal(
    await keyOf({ ...req, teacher: { id: 'teacher-r', epoch: 3 } }),
    null,
    'no such checkpoint: no cache',
  );
  // A model rewritten under the same id (another seed's weights): another key.
  const other = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 4);
  await putCheckpoint(fx.store, 'models/teacher-r', other, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: channelStats(train),
  });
  other.dispose();
  const rewritten = await keyOf(req);
  assert.ok(rewritten && !seen.has(rewritten), 'new weights, new key');
});

test('killing a teacher replica mid-stream: its batches are retried on the other, same result', async () => {
  const doomed = await stack.startTeacher();
  const { client, pool } = await startExtractor([doomed.address, teachers[0].address], 4);
  const src = new RemoteBatchSource({
    client,
    teacher: { id: 'teacher-a' },
    ...sourceOpts(4),
    size: 64,
  });
  let killedAt = -1;
  const got = await collect(src, 3, async (n) => {
    if (n === 2) {
      killedAt = await served(doomed);
      await doomed.stop('SIGKILL');
    }
    await sleep(5);
  });
  assert.ok(killedAt > 0, 'the doomed replica served before it died');
  assert.equal(got.length, 16);
  const ck = await getCheckpoint(fx.store, 'models/teacher-a');
  const local = new LocalBatchSource({
    set: train,
    indices: stratifiedSubset(train.labels, train.classes, { count: 64 }, 0),
    stats: channelStats(train),
    batchSize: 4,
    seed: 5,
    augment: { pad: 4, flip: true },
    teacher: ck.model,
  });
  const want: TrainBatch[] = [];
  for await (const b of local.epoch(3, { signs: true, logits: true })) want.push(b);
  ck.model.dispose();
  assertSame(got, want);
  client.close();
  pool.close();
});

test('a slow consumer never makes the extractor run ahead without bound', async () => {
  const { client, pool } = await startExtractor(
    teachers.map((t) => t.address),
    4,
  );
  const src = new RemoteBatchSource({
    client,
    teacher: { id: 'teacher-a' },
    ...sourceOpts(1),
    subset: undefined,
    size: 160,
  });
  const start = await servedAll();
  let during = 0;
  await collect(src, 0, async (n) => {
    if (n === 1) {
      await sleep(1500);
      during = (await servedAll()) - start;
    }
  });
  assert.ok(
    during < 100,
    `teachers answered ${during} of 160 batches while the consumer held batch 1`,
  );
  assert.equal((await servedAll()) - start, 160);
  client.close();
  pool.close();
});

test('bad requests get their status with the field named; the extractor keeps serving', async () => {
  const { client, pool } = await startExtractor(teachers.map((t) => t.address));
  const run = (r: Partial<boundaryExtractor.StreamRequest>) =>
    streamAll(client, { ...twoBatches, ...r });
  const cases: [string, Partial<boundaryExtractor.StreamRequest>, status, RegExp][] = [
    [
      'unknown dataset',
      { dataset: { name: 'imagenet' } },
      status.NOT_FOUND,
      /unknown dataset 'imagenet'/,
    ],
    [
      'path-like dataset',
      { dataset: { name: '../../etc' } },
      status.INVALID_ARGUMENT,
      /dataset.name/,
    ],
    [
      'path-like teacher',
      { teacher: { id: 'a/../../b', epoch: 0 } },
      status.INVALID_ARGUMENT,
      /teacher.id/,
    ],
    [
      'unknown teacher',
      { teacher: { id: 'ghost', epoch: 0 } },
      status.NOT_FOUND,
      /model 'ghost' not found/,
    ],
    ['unknown tap', { taps: ['tap7'] }, status.INVALID_ARGUMENT, /taps\[0\]: unknown tap "tap7"/],
    [
      'duplicate taps',
      { taps: ['tap1', 'tap1'] },
      status.INVALID_ARGUMENT,
      /taps\[1\]: "tap1" is listed twice/,
    ],
    [
      'too many taps',
      { taps: Array.from({ length: 65 }, (_, i) => `t${i}`) },
      status.INVALID_ARGUMENT,
      /taps: 65 taps requested, at most 64/,
    ],
    [
      '500 duplicates',
      { taps: Array.from({ length: 500 }, () => 'tap1') },
      status.INVALID_ARGUMENT,
      /taps: 500 taps requested, at most 64/,
    ],
    [
      '10 000-character tap',
      { taps: ['y'.repeat(10_000)] },
      status.INVALID_ARGUMENT,
      /taps\[0\]: "y{64}…" is longer than 128 characters/,
    ],
    ['zero batch size', { batchSize: 0 }, status.INVALID_ARGUMENT, /batch_size/],
    [
      'NaN fraction',
      { subset: { size: { $case: 'fraction', fraction: NaN }, seed: 0 } },
      status.INVALID_ARGUMENT,
      /subset.fraction/,
    ],
    ['bad enum', { split: 7 as common.Split }, status.INVALID_ARGUMENT, /split/],
    ['start past the end', { startBatch: 9 }, status.INVALID_ARGUMENT, /start_batch/],
  ];
  for (const [name, r, code, msg] of cases) {
    const e = (await run(r).then(
      () => assert.fail(`${name}: no error`),
      (x: ServiceError) => x,
    )) as ServiceError;
    assert.equal(e.code, code, `${name}: ${status[e.code]} ${e.details}`);
    assert.match(e.details, msg, name);
  }
  const ok = await run({});
  assert.equal(ok.length, 2);
  assert.deepEqual(
    ok.map((b) => b.index),
    [0, 1],
  );
  assert.equal(ok[0].signMaps.length, 3);
  client.close();
  pool.close();
});

test('a teacher whose queue is full refuses at once; the extractor backs off and retries, both streams complete', async () => {
  // Room for one 8-image batch, held 300 ms: a second stream's batch is refused meanwhile.
  const small = await stack.startTeacher({
    ABD_TEACHER_MAX_BATCH_SIZE: '8',
    ABD_TEACHER_MAX_ENQUEUED_BATCHES: '1',
    ABD_TEACHER_MAX_QUEUE_DELAY_US: '300000',
  });
  const { client, pool } = await startExtractor([small.address], 1);
  const run = () => streamAll(client, twoBatches);
  const [a, b] = await Promise.all([run(), run()]);
  assert.deepEqual(
    a.map((x) => x.index),
    [0, 1],
  );
  assert.deepEqual(
    b.map((x) => x.index),
    [0, 1],
  );
  assert.deepEqual(Buffer.from(a[1].signMaps[0].bits), Buffer.from(b[1].signMaps[0].bits));
  client.close();
  pool.close();
});
