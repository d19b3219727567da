import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { channelStats, loadDataset } from '@abd/data';
import { Wrn } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { evaluate, evaluateYielding } from './evaluate';
import { tempDir, writeBandDataset } from './testing/fixture';

test('evaluateYielding is bitwise evaluate, and the event loop runs between its batches', async () => {
  await initBackend();
  const t = tempDir('abd-eval-');
  try {
    const dir = join(t.dir, 'data');
    mkdirSync(dir);
    writeBandDataset(dir, 40, 30);
    const [train, set] = await Promise.all([
      loadDataset('fashion-mnist', 'train', { dir }),
      loadDataset('fashion-mnist', 'test', { dir }),
    ]);
    const model = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
    const stats = channelStats(train);
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const a = await evaluateYielding(model, set, stats, 7);
    clearInterval(tick);
    const b = evaluate(model, set, stats, 7);
    model.dispose();
    assert.deepEqual(a, b);
    assert.equal(a.total, 30);
    assert.ok(turns >= 1, `a timer ran ${turns} times during the 5 batches`);
  } finally {
    t.cleanup();
  }
});
