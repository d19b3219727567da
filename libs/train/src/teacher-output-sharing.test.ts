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
    /** Runs `student` as `runId` (sharing `shared` when given); the images its teacher computed. */
    const run = async (student: string, runId: string, cache?: TeacherOutputCache) => {
      const passes = { images: 0 };
      await runPipeline(cfgOf(student), {
        store,
        runId,
        teacherPasses: passes,
        teacherOutputs: cache,
      });
      return passes.images;
    };
    // 64 images × 2 KD epochs of logits (epoch 0's sign maps kept for AB+KD) + 20 test images.
    assert.equal(await run('wrn-10-1', 'a', shared), 64 * 2 + 20);
    assert.equal(
      await run('wrn-16-1', 'b', shared),
      0,
      'every teacher output of the second run came from the cache',
    );
    // Alone, the same run computes everything the first one did.
    assert.equal(await run('wrn-16-1', 'b-alone'), 64 * 2 + 20);
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
