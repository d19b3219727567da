import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { openStore } from '@abd/artifacts';
import { Wrn } from '@abd/models';
import { BatchSource, LocalBatchSource, LocalSourceOptions, TrainBatch } from './batch-source';
import { putCheckpoint } from './checkpoints';
import { inProcessSource, overlapFromEnv } from './in-process-source';
import { OverlappedBatchSource } from './overlapped-batch-source';
import { runPipeline } from './run';
import { bandSourceOptions, tempDir, tinyConfig } from './testing/fixture';
import { assertSameWeights, storedWeights } from './testing/weights';

const tmp = tempDir();
let base: LocalSourceOptions;
let teacher: Wrn;
before(async () => {
  const opts = await bandSourceOptions(tmp.dir, 96, 20, {
    indices: new Int32Array(40).map((_, i) => 2 * i + 1),
    batchSize: 16,
    seed: 3,
    augment: { pad: 4, flip: true },
  });
  teacher = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 9);
  base = { ...opts, teacher, keepSignsBelowEpoch: 1 };
});
after(() => {
  teacher.dispose();
  tmp.cleanup();
});

async function collect(
  src: BatchSource,
  epoch: number,
  req: { signs: boolean; logits: boolean; startBatch?: number },
): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of src.epoch(epoch, req)) out.push(b);
  return out;
}

function assertSameBatches(a: TrainBatch[], b: TrainBatch[]): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual([a[i].epoch, a[i].index, a[i].n], [b[i].epoch, b[i].index, b[i].n]);
    assert.deepEqual(a[i].images, b[i].images);
    assert.deepEqual(a[i].labels, b[i].labels);
    assert.deepEqual(a[i].teacherLogits, b[i].teacherLogits);
    assert.deepEqual(a[i].signShapes, b[i].signShapes);
    assert.deepEqual(a[i].signBits, b[i].signBits);
    assert.equal(!!a[i].signBits, !!a[i].signShapes);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the overlapped source gives the serial one’s batches and teacher outputs bit for bit, in order, and ends its process', async () => {
  // Sign packing keeps one constant tensor per process from its first use: made before counting.
  await collect(new LocalBatchSource(base), 0, { signs: true, logits: false });
  const before = tf.memory().numTensors;
  const o = await OverlappedBatchSource.start(base, { window: 2 });
  try {
    assert.equal(o.window, 2);
    for (const teacherBnMode of ['eval', 'train'] as const) {
      const local = new LocalBatchSource({ ...base, teacherBnMode });
      const over =
        teacherBnMode === 'eval'
          ? o
          : await OverlappedBatchSource.start({ ...base, teacherBnMode });
      try {
        for (const [epoch, req] of [
          [0, { signs: false, logits: true }],
          [0, { signs: true, logits: false }],
          [1, { signs: true, logits: true, startBatch: 1 }],
          [2, { signs: false, logits: false }],
        ] as const)
          assertSameBatches(await collect(over, epoch, req), await collect(local, epoch, req));
      } finally {
        if (over !== o) await over.close();
      }
    }
    // A stream left early (a cancelled stage) is cancelled in the process; the next one is exact.
    for await (const b of o.epoch(1, { signs: true, logits: true })) if (b.index === 0) break;
    assertSameBatches(
      await collect(o, 1, { signs: true, logits: true }),
      await collect(new LocalBatchSource(base), 1, { signs: true, logits: true }),
    );
  } finally {
    await o.close();
  }
  assert.equal(tf.memory().numTensors, before);
  assert.equal(alive(o.pid), false, 'the teacher process has exited');
});

test('a source without a WRN teacher is refused before a process starts', async () => {
  await assert.rejects(
    OverlappedBatchSource.start({ ...base, teacher: undefined }),
    /runs WRN teachers only/,
  );
});

test('a tiny KD run and a tiny AB run give the same student weights bit for bit with and without the overlap', async () => {
  const tstore = `${tmp.dir}/teacher-store`;
  await putCheckpoint(openStore(tstore), 'teacher', teacher, { role: 'teacher' });
  const cfg = tinyConfig(tmp.dir, {
    methods: ['kd', 'ab+kd'],
    dataset: { name: 'fashion-mnist', dir: tmp.dir, subset: { count: 48, seed: 0 } },
    teacher: { ...tinyConfig(tmp.dir).teacher, checkpoint: `${tstore}/teacher` },
    train: { ...tinyConfig(tmp.dir).train, batchSize: 16 },
  });
  const weights: Float32Array[][] = [];
  for (const overlap of [false, { window: 2 }] as const) {
    const dir = `${tmp.dir}/store-${overlap ? 'overlap' : 'serial'}`;
    const r = await runPipeline(cfg, { store: openStore(dir), runId: 'r', overlap });
    assert.equal(r.cancelled, false);
    weights.push([
      await storedWeights(dir, 'runs/r/kd/final'),
      await storedWeights(dir, 'runs/r/ab+kd/final'),
    ]);
  }
  assertSameWeights(weights[0][0], weights[1][0]);
  assertSameWeights(weights[0][1], weights[1][1]);
});

test('the in-process pipeline overlaps only a WRN teacher whose outputs some method reads, only runs big enough to pay for the process, and the env decides', async () => {
  const o = await inProcessSource(base, ['none', 'kd'], { window: 1 });
  assert.ok(o instanceof OverlappedBatchSource);
  await o.close?.();
  assert.ok((await inProcessSource(base, ['ab+ce'], false)) instanceof LocalBatchSource);
  assert.ok((await inProcessSource(base, ['none'], {})) instanceof LocalBatchSource);
  assert.equal(overlapFromEnv({ ABD_TEACHER_OVERLAP: '0' }), false);
  // Unset: on for a run with enough teacher images, off for a tiny one; =1 forces it.
  assert.deepEqual(overlapFromEnv({}, 180_000), { window: undefined, threads: undefined });
  assert.equal(overlapFromEnv({}, 128), false);
  assert.deepEqual(overlapFromEnv({ ABD_TEACHER_OVERLAP: '1' }, 128), {
    window: undefined,
    threads: undefined,
  });
  assert.deepEqual(overlapFromEnv({ ABD_TEACHER_WINDOW: '3', ABD_TEACHER_THREADS: '1' }), {
    window: 3,
    threads: 1,
  });
  assert.throws(() => overlapFromEnv({ ABD_TEACHER_OVERLAP: 'yes' }), /must be 0 or 1/);
  assert.throws(() => overlapFromEnv({ ABD_TEACHER_WINDOW: '0' }), /positive integer/);
});
