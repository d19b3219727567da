import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Connectors, Wrn } from '@abd/models';
import { channelStats, loadDataset } from '@abd/data';
import { LocalBatchSource, type LocalSourceOptions } from './batch-source';
import { trainClassifier } from './classify-stage';
import { trainAbInit } from './ab-stage';
import { bandDatasetForTests } from './testing/fixture';

const tmp = bandDatasetForTests(400, 20);

test('tf.memory().numTensors stays flat over 100 training steps (KD) and the AB stage', async () => {
  const train = await loadDataset('fashion-mnist', 'train', { dir: tmp.dir });
  const stats = channelStats(train);
  const teacher = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
  const student = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 4);
  // The first n training images in batches of 4, carrying `t`'s outputs.
  const sourceOf = (n: number, augment: LocalSourceOptions['augment'], t: Wrn): LocalBatchSource =>
    new LocalBatchSource({
      set: train,
      indices: new Int32Array(n).map((_, i) => i),
      stats,
      batchSize: 4,
      seed: 1,
      augment,
      teacher: t,
    });
  const source = sourceOf(400, { pad: 4, flip: false }, teacher);
  const counts: number[] = [];
  const sgd = { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true };
  await trainClassifier(
    student,
    source,
    {
      label: 'mem',
      epochs: 1,
      sgd,
      schedule: 'per-step',
      kd: { temperature: 3, t2Factor: true, alpha: 0 },
    },
    {
      onEvent: (e) => {
        if (e.type === 'step') counts.push(tf.memory().numTensors);
      },
    },
  );
  assert.equal(counts.length, 100);
  // After the first step (which creates the momentum buffers) the count never moves.
  assert.deepEqual(
    new Set(counts.slice(1)).size,
    1,
    `tensor counts: ${[...new Set(counts)].join(', ')}`,
  );
  const conns = new Connectors(
    student.tapWidths,
    [16, 32, 64].map((w) => w * 2),
    'paper',
    5,
  );
  const abCounts: number[] = [];
  const wide = new Wrn({ depth: 10, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 6);
  const abSource = sourceOf(40, null, wide);
  await trainAbInit(
    student,
    conns,
    abSource,
    {
      label: 'mem-ab',
      epochs: 1,
      mu: 1,
      weights: [3 / 4000, 3 / 2000, 3 / 1000],
      sgd,
      schedule: 'constant',
      resetOptimizer: false,
    },
    {
      onEvent: (e) => {
        if (e.type === 'step') abCounts.push(tf.memory().numTensors);
      },
    },
  );
  assert.equal(
    new Set(abCounts.slice(1)).size,
    1,
    `AB tensor counts: ${[...new Set(abCounts)].join(', ')}`,
  );
  [teacher, student, conns, wide].forEach((m) => m.dispose());
});
