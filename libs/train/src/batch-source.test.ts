import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Wrn } from '@abd/models';
import { LocalBatchSource, LocalSourceOptions, TrainBatch } from './batch-source';
import { bandSourceOptions, tempDir } from './testing/fixture';

const tmp = tempDir();
let base: Omit<LocalSourceOptions, 'teacher'>;
let teacher: Wrn;
before(async () => {
  base = await bandSourceOptions(tmp.dir, 48, 10, {
    indices: new Int32Array(48).map((_, i) => i),
    batchSize: 16,
    seed: 3,
    augment: { pad: 4, flip: false },
  });
  teacher = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 9);
});
after(() => {
  teacher.dispose();
  tmp.cleanup();
});

async function collect(
  src: LocalBatchSource,
  epoch: number,
  req: { signs: boolean; logits: boolean },
): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of src.epoch(epoch, req)) out.push(b);
  return out;
}

function counting(t: Wrn): { calls: () => number } {
  let n = 0;
  const fwd = t.forward.bind(t);
  t.forward = (x, o) => {
    n++;
    return fwd(x, o);
  };
  return { calls: () => n };
}

test('sign maps kept from a KD pass serve a later AB pass without a teacher forward, bit for bit', async () => {
  const fresh = await collect(new LocalBatchSource({ ...base, teacher }), 0, {
    signs: true,
    logits: false,
  });
  const t2 = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 9);
  const spy = counting(t2);
  const src = new LocalBatchSource({ ...base, teacher: t2, keepSignsBelowEpoch: 1 });
  await collect(src, 0, { signs: false, logits: true });
  await collect(src, 1, { signs: false, logits: true });
  assert.equal(spy.calls(), 6);
  const again = await collect(src, 0, { signs: true, logits: false });
  assert.equal(spy.calls(), 6, 'epoch 0 signs came from the cache');
  assert.equal(again.length, fresh.length);
  again.forEach((b, i) =>
    b.signBits!.forEach((s, k) => assert.deepEqual(s, fresh[i].signBits![k])),
  );
  // Epoch 1's signs were not kept (only epochs below 1): the teacher runs again.
  await collect(src, 1, { signs: true, logits: false });
  assert.equal(spy.calls(), 9);
  t2.dispose();
});

test('teacher BN in train mode applies to the AB stage’s sign maps only; KD logits use eval mode', async () => {
  const evalLogits = await collect(new LocalBatchSource({ ...base, teacher }), 0, {
    signs: false,
    logits: true,
  });
  const trainSrc = new LocalBatchSource({ ...base, teacher, teacherBnMode: 'train' });
  const kd = await collect(trainSrc, 0, { signs: false, logits: true });
  kd.forEach((b, i) => assert.deepEqual(b.teacherLogits, evalLogits[i].teacherLogits));
  const evalSigns = await collect(new LocalBatchSource({ ...base, teacher }), 0, {
    signs: true,
    logits: false,
  });
  const trainSigns = await collect(trainSrc, 0, { signs: true, logits: false });
  const differs = trainSigns.some((b, i) =>
    b.signBits!.some((s, k) => s.some((v, j) => v !== evalSigns[i].signBits![k][j])),
  );
  assert.ok(differs, 'batch statistics change some sign');
});
