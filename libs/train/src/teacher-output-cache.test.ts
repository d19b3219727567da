import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ImageSet } from '@abd/data';
import { Wrn } from '@abd/models';
import { LocalBatchSource, LocalSourceOptions, TrainBatch } from './batch-source';
import { wrnWeightsHash } from './teacher-identity';
import { countTeacherPasses, TeacherPassCount } from './teacher-passes';
import {
  epochOfKey,
  TeacherOutputCache,
  teacherOutputKey,
  TeacherOutputFields,
} from './teacher-output-cache';
import { bandSourceOptions, tempDir } from './testing/fixture';

const fields: TeacherOutputFields = {
  teacher: { id: 'wrn-16-2', weightsHash: 'aa' },
  dataset: { name: 'fashion-mnist', split: 'train', contentHash: 'bb' },
  subset: 'cc',
  batchSize: 16,
  seed: 3,
  shuffle: true,
  epoch: 2,
  index: 1,
  augmentation: { pad: 4, flip: false },
  bnMode: 'eval',
  taps: ['tap1', 'tap2', 'tap3'],
  normalization: { mean: [0.3], std: [0.35] },
};

/** One change per leaf of the fields (keyed by its path); the completeness check below keeps it so. */
const changes: Record<string, (f: TeacherOutputFields) => TeacherOutputFields> = {
  'teacher.id': (f) => ({ ...f, teacher: { ...f.teacher, id: 'wrn-16-1' } }),
  'teacher.weightsHash': (f) => ({ ...f, teacher: { ...f.teacher, weightsHash: 'ab' } }),
  'dataset.name': (f) => ({ ...f, dataset: { ...f.dataset, name: 'mnist' } }),
  'dataset.split': (f) => ({ ...f, dataset: { ...f.dataset, split: 'test' } }),
  'dataset.contentHash': (f) => ({ ...f, dataset: { ...f.dataset, contentHash: 'bc' } }),
  subset: (f) => ({ ...f, subset: 'cd' }),
  batchSize: (f) => ({ ...f, batchSize: 17 }),
  seed: (f) => ({ ...f, seed: 4 }),
  shuffle: (f) => ({ ...f, shuffle: false }),
  epoch: (f) => ({ ...f, epoch: 3 }),
  index: (f) => ({ ...f, index: 2 }),
  'augmentation.pad': (f) => ({ ...f, augmentation: { pad: 2, flip: false } }),
  'augmentation.flip': (f) => ({ ...f, augmentation: { pad: 4, flip: true } }),
  bnMode: (f) => ({ ...f, bnMode: 'train' }),
  taps: (f) => ({ ...f, taps: ['tap1', 'tap3', 'tap2'] }),
  'normalization.mean': (f) => ({ ...f, normalization: { mean: [0.31], std: [0.35] } }),
  'normalization.std': (f) => ({ ...f, normalization: { mean: [0.3], std: [0.36] } }),
};

function leaves(v: unknown, path = ''): string[] {
  if (typeof v === 'object' && v !== null && !Array.isArray(v))
    return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  return [path];
}

test('the key: identical fields hit, in any object order; a change of any one field misses', () => {
  assert.deepEqual(Object.keys(changes).sort(), leaves(fields).sort(), 'one change per field');
  const key = teacherOutputKey(fields);
  const reordered = JSON.parse(
    JSON.stringify(Object.fromEntries(Object.entries(fields).reverse())),
  ) as TeacherOutputFields;
  assert.equal(teacherOutputKey(reordered), key);
  const seen = new Set([key]);
  for (const [name, change] of Object.entries(changes)) {
    const k = teacherOutputKey(change(fields));
    assert.ok(!seen.has(k), `changing ${name} gives a new key`);
    seen.add(k);
  }
  // No augmentation and the teacher's own normalization are values of their own.
  for (const f of [
    { ...fields, augmentation: null },
    { ...fields, normalization: null },
  ]) {
    const k = teacherOutputKey(f);
    assert.ok(!seen.has(k));
    seen.add(k);
  }
  assert.equal(epochOfKey(key), epochOfKey(teacherOutputKey({ ...fields, index: 7 })));
  assert.throws(() => teacherOutputKey({ ...fields, index: -1 }), /index/);
});

test('the memory bound: least recently used entries go first; a hit is a copy', () => {
  const entry = (v: number) => ({ logits: new Float32Array(256).fill(v) }); // 1 KiB
  const c = new TeacherOutputCache(3 * 1024);
  for (let i = 0; i < 3; i++) c.put(`k/${i}`, entry(i), 8);
  assert.ok(c.get('k/0', { signs: false, logits: true }), 'k/0 is now the most recent');
  c.put('k/3', entry(3), 8);
  assert.equal(c.get('k/1', { signs: false, logits: true }), undefined, 'k/1 was evicted');
  assert.deepEqual(c.stats, {
    hits: 1,
    misses: 1,
    entries: 3,
    bytes: 3 * 1024,
    evicted: 1,
    computedImages: 32,
  });
  const hit = c.get('k/0', { signs: false, logits: true })!;
  hit.logits!.fill(9);
  assert.equal(c.get('k/0', { signs: false, logits: true })!.logits![0], 0);
  assert.equal(c.get('k/0', { signs: true, logits: true }), undefined, 'no sign maps: a miss');
  c.put('big', { logits: new Float32Array(1025) }, 8);
  assert.equal(c.get('big', { signs: false, logits: true }), undefined, 'over the bound: not kept');
  assert.throws(() => new TeacherOutputCache(-1), /maxBytes/);
});

const tmp = tempDir();
let base: LocalSourceOptions;
let set: ImageSet;
const arch = { depth: 10, widen: 1, inChannels: 1, numClasses: 10 };
const owned: Wrn[] = [];
/** A fresh teacher of `seed` whose passes are counted. */
function teacherOf(
  seed = 9,
  over: Partial<typeof arch> = {},
): { teacher: Wrn; passes: TeacherPassCount } {
  const teacher = new Wrn({ ...arch, ...over }, 'paper', seed);
  owned.push(teacher);
  const passes = { images: 0 };
  countTeacherPasses(teacher, passes);
  return { teacher, passes };
}
before(async () => {
  base = {
    ...(await bandSourceOptions(tmp.dir, 40, 10, {
      indices: new Int32Array(32).map((_, i) => i),
      batchSize: 16,
      seed: 3,
      augment: { pad: 4, flip: false },
    })),
    teacherBnMode: 'eval',
    keepSignsBelowEpoch: 1,
  };
  set = base.set;
});
after(() => {
  for (const t of owned) t.dispose();
  tmp.cleanup();
});

async function epochOf(src: LocalBatchSource, epoch = 0): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of src.epoch(epoch, { signs: true, logits: true })) out.push(b);
  return out;
}

function assertBitwise(a: TrainBatch[], b: TrainBatch[]): void {
  assert.equal(a.length, b.length);
  const bytes = (x: Float32Array | Uint8Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  a.forEach((x, i) => {
    assert.deepEqual(bytes(x.teacherLogits!), bytes(b[i].teacherLogits!));
    assert.deepEqual(x.signShapes, b[i].signShapes);
    assert.equal(x.signBits!.length, b[i].signBits!.length);
    x.signBits!.forEach((s, t) => assert.deepEqual(bytes(s), bytes(b[i].signBits![t])));
  });
}

test('a shared cache: a second source with the same inputs runs no teacher pass and gets the computed outputs bit for bit', async () => {
  const cache = new TeacherOutputCache();
  const a = teacherOf();
  const computed = await epochOf(
    new LocalBatchSource({ ...base, teacher: a.teacher, outputCache: cache }),
  );
  assert.equal(a.passes.images, 32);
  // Another load of the same weights, as the next cell of a sweep loads its teacher.
  const b = teacherOf();
  const served = await epochOf(
    new LocalBatchSource({ ...base, teacher: b.teacher, outputCache: cache }),
  );
  assert.equal(b.passes.images, 0, 'every output came from the cache');
  assertBitwise(served, computed);
  // And both equal a source that computes everything itself.
  const c = teacherOf();
  assertBitwise(computed, await epochOf(new LocalBatchSource({ ...base, teacher: c.teacher })));
  assert.equal(cache.stats.computedImages, 32);
});

test('a shared cache: changing any one input of the source misses it', async () => {
  const cache = new TeacherOutputCache();
  const ref = teacherOf();
  await epochOf(new LocalBatchSource({ ...base, teacher: ref.teacher, outputCache: cache }));
  const otherSet: ImageSet = { ...set, images: set.images.slice() };
  otherSet.images[5] ^= 1;
  // Another load of the same checkpoint with one weight changed.
  const otherWeights = teacherOf();
  const w = otherWeights.teacher.params.get('fc.b')!;
  w.assign(tf.add(w, 1e-3));
  assert.notEqual(wrnWeightsHash(otherWeights.teacher), wrnWeightsHash(ref.teacher));
  const variants: Record<
    string,
    { over?: Partial<LocalSourceOptions>; t?: ReturnType<typeof teacherOf>; epoch?: number }
  > = {
    weights: { t: otherWeights },
    'teacher architecture': { t: teacherOf(9, { widen: 2 }) },
    'dataset contents': { over: { set: otherSet } },
    subset: { over: { indices: new Int32Array(32).map((_, i) => i + 8) } },
    'batch size': { over: { batchSize: 8 } },
    'batch seed': { over: { seed: 4 } },
    augmentation: { over: { augment: { pad: 4, flip: true } } },
    'no augmentation': { over: { augment: null } },
    normalization: { over: { stats: { mean: [0.5], std: [0.25] } } },
    'BN mode': { over: { teacherBnMode: 'train' } },
    epoch: { epoch: 1 },
  };
  for (const [name, v] of Object.entries(variants)) {
    const t = v.t ?? teacherOf();
    const before = cache.stats.computedImages;
    const src = new LocalBatchSource({
      ...base,
      ...v.over,
      teacher: t.teacher,
      outputCache: cache,
    });
    await epochOf(src, v.epoch ?? 0);
    assert.ok(cache.stats.computedImages > before, `${name}: a miss`);
    assert.ok(t.passes.images > 0, `${name}: the teacher ran`);
  }
  const same = teacherOf();
  await epochOf(new LocalBatchSource({ ...base, teacher: same.teacher, outputCache: cache }));
  assert.equal(same.passes.images, 0, 'the unchanged inputs still hit');
});
