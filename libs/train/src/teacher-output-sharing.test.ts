import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '@abd/artifacts';
import { channelStats, loadDataset } from '@abd/data';
import { Wrn } from '@abd/models';
import { putCheckpoint } from './checkpoints';
import { runPipeline } from './run';
import { RunConfig, validateRunConfig } from './run-config';
import { TeacherOutputCache } from './teacher-output-cache';
import { bandDatasetForTests, tempDir, tinyConfig } from './testing/fixture';

const data = bandDatasetForTests(64, 20);

test('runs sharing a teacher-output cache: the second run (another student, same teacher, data and seed) puts no image through the teacher and trains the same weights, bit for bit, as it does alone', async () => {
  const tmp = tempDir();
  try {
    const store = openStore(tmp.dir);
    const train = await loadDataset('fashion-mnist', 'train', { dir: data.dir });
    const teacher = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
    await putCheckpoint(store, 'models/t', teacher, { normalization: channelStats(train) });
    teacher.dispose();
    const base = tinyConfig(data.dir);
    const cfgOf = (student: string): RunConfig =>
      validateRunConfig({
        ...base,
        teacher: { ...base.teacher, checkpoint: 'models/t' },
        student: { ...base.student, arch: student },
        methods: ['kd', 'ab+kd'],
        train: { ...base.train, batchSize: 16 },
      });
    const shared = new TeacherOutputCache();
    const first = { images: 0 };
    await runPipeline(cfgOf('wrn-10-1'), {
      store,
      runId: 'a',
      teacherPasses: first,
      teacherOutputs: shared,
    });
    // 64 images × 2 KD epochs of logits (epoch 0's sign maps kept for AB+KD) + 20 test images.
    assert.equal(first.images, 64 * 2 + 20);
    const second = { images: 0 };
    await runPipeline(cfgOf('wrn-16-1'), {
      store,
      runId: 'b',
      teacherPasses: second,
      teacherOutputs: shared,
    });
    assert.equal(second.images, 0, 'every teacher output of the second run came from the cache');
    const alone = { images: 0 };
    await runPipeline(cfgOf('wrn-16-1'), { store, runId: 'b-alone', teacherPasses: alone });
    assert.equal(alone.images, first.images);
    for (const m of ['kd', 'ab+kd'])
      assert.deepEqual(
        await store.get(`runs/b/${m}/final/weights.bin`),
        await store.get(`runs/b-alone/${m}/final/weights.bin`),
        `${m}: the same weights with outputs from the cache`,
      );
  } finally {
    tmp.cleanup();
  }
});
