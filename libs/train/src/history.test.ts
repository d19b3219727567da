import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-core';
import { openStore } from '@abd/artifacts';
import { Wrn } from '@abd/models';
import { trainClassifier } from './classify-stage';
import { EpochEvent, historyKey } from './history';
import { PAPER_SGD } from './optimizer';
import { bandDatasetForTests, bandSource } from './testing/fixture';

const tmp = bandDatasetForTests(40, 20, 'abd-history-');

test('a stage writes <prefix>/history.json after every epoch and keeps it across a resume', async () => {
  const { testSet, source } = await bandSource(tmp.dir, { batchSize: 20, augment: null });
  const store = openStore(`${tmp.dir}/store`);
  const prefix = 'runs/h/none/classify';
  const opts = {
    label: 'h',
    epochs: 3,
    sgd: PAPER_SGD,
    schedule: 'constant' as const,
    test: { set: testSet, every: 1 },
  };
  const run = async (signal?: AbortSignal, onStep?: () => void) => {
    const model = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
    try {
      return await trainClassifier(model, source, opts, {
        store,
        prefix,
        signal,
        onEvent: (e) => e.type === 'step' && onStep?.(),
      });
    } finally {
      model.dispose();
    }
  };
  // Cancel at the first step of epoch 2 (after epoch 1 was saved), then resume to the end.
  const ctl = new AbortController();
  let steps = 0;
  assert.equal((await run(ctl.signal, () => ++steps === 3 && ctl.abort())).cancelled, true);
  const partial = await store.getJson<EpochEvent[]>(historyKey(prefix));
  assert.deepEqual(
    partial.map((e) => e.epoch),
    [0],
  );
  assert.equal((await run()).cancelled, false);
  const full = await store.getJson<EpochEvent[]>(historyKey(prefix));
  assert.deepEqual(
    full.map((e) => e.epoch),
    [0, 1, 2],
  );
  assert.deepEqual(full[0], partial[0], 'the resumed stage keeps the saved epochs');
  for (const e of full) {
    assert.equal(e.type, 'epoch');
    assert.ok(e.classify && e.classify.test && e.classify.test.total === 20);
  }
});
