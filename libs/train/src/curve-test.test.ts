import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '@abd/data';
import { Wrn } from '@abd/models';
import { trainClassifier } from './classify-stage';
import { classifyLossName, curveTestSet } from './curve-test';
import { evaluate } from './evaluate';
import { EpochEvent } from './history';
import { PAPER_SGD } from './optimizer';
import { bandDatasetForTests, bandSource } from './testing/fixture';

const tmp = bandDatasetForTests(40, 50, 'abd-curve-');

test('curveTestSet: a fixed stratified subset of the test images, the whole set when small', async () => {
  const set = await loadDataset('fashion-mnist', 'test', { dir: tmp.dir });
  const sub = curveTestSet(set, 20);
  assert.equal(sub.n, 20);
  assert.deepEqual(
    [...sub.labels].sort((a, b) => a - b),
    [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9],
  );
  // Each image is one of the test set's, with its label.
  const per = 28 * 28;
  for (let k = 0; k < sub.n; k++) {
    const img = sub.images.subarray(k * per, (k + 1) * per);
    const i = [...Array(set.n).keys()].find((j) =>
      set.images.subarray(j * per, (j + 1) * per).every((v, p) => v === img[p]),
    );
    assert.ok(i !== undefined && set.labels[i] === sub.labels[k], `image ${k}`);
  }
  assert.deepEqual(curveTestSet(set, 20).images, sub.images, 'the same subset every time');
  assert.equal(curveTestSet(set, 50), set);
  assert.equal(classifyLossName(undefined), 'CE');
  assert.equal(classifyLossName({ temperature: 3, t2Factor: true, alpha: 0 }), 'KD·T² (T = 3)');
  assert.equal(
    classifyLossName({ temperature: 4, t2Factor: false, alpha: 0.1 }, 'at'),
    '0.9·KD (T = 4) + 0.1·CE + at term',
  );
});

test('the per-epoch curve test leaves the weights bit for bit and the tensor count unchanged', async () => {
  const { testSet, stats, source } = await bandSource(tmp.dir, {
    batchSize: 10,
    augment: { pad: 2, flip: true },
  });
  const curve = curveTestSet(testSet, 20);
  const train3 = async (withCurve: boolean) => {
    const model = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
    const events: EpochEvent[] = [];
    const counts: number[] = [];
    await trainClassifier(
      model,
      source,
      {
        label: 'c',
        epochs: 3,
        sgd: PAPER_SGD,
        schedule: 'per-step',
        test: withCurve ? { set: testSet, every: 10, curve } : undefined,
      },
      {
        onEvent: (e) => {
          if (e.type === 'epoch') events.push(e);
          if (e.type === 'step') counts.push(tf.memory().numTensors);
        },
      },
    );
    const weights = [...model.params.values(), ...model.stats.values()].map((v) =>
      v.dataSync().slice(),
    );
    const ev = evaluate(model, curve, stats);
    model.dispose();
    return { events, counts, weights, ev };
  };
  const plain = await train3(false);
  const curved = await train3(true);
  assert.equal(curved.weights.length, plain.weights.length);
  curved.weights.forEach((w, i) => assert.deepEqual(w, plain.weights[i], `tensor ${i}`));
  assert.deepEqual(curved.counts, plain.counts, 'tensor counts per step');
  assert.equal(new Set(curved.counts.slice(1)).size, 1);
  // One curve point per epoch on the 20-image subset; the full test only after the last epoch.
  assert.deepEqual(
    curved.events.map((e) => [e.epoch, e.classify?.curve?.total, e.classify?.test?.total]),
    [
      [0, 20, undefined],
      [1, 20, undefined],
      [2, 20, 50],
    ],
  );
  assert.equal(curved.events[2].classify!.curve!.correct, curved.ev.correct);
  assert.equal(curved.events[0].classify!.lossName, 'CE');
  assert.ok(plain.events.every((e) => !e.classify?.curve));
});
