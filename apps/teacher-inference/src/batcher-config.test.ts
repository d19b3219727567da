import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCHER_ENV, batcherConfigFrom, DEFAULT_BATCHER } from './batcher-config';

test('batcher settings: defaults, env-style values, and clear errors for bad ones', () => {
  assert.deepEqual(
    batcherConfigFrom(() => undefined),
    DEFAULT_BATCHER,
  );
  const env: Record<string, string> = {
    [BATCHER_ENV.maxBatchSize]: '32',
    [BATCHER_ENV.maxQueueDelayUs]: '0',
    [BATCHER_ENV.enabled]: 'off',
  };
  const c = batcherConfigFrom((k) => env[BATCHER_ENV[k]]);
  assert.deepEqual(c, { ...DEFAULT_BATCHER, maxBatchSize: 32, maxQueueDelayUs: 0, enabled: false });
  const bad: [keyof typeof BATCHER_ENV, string, RegExp][] = [
    ['maxBatchSize', '0', /maxBatchSize: must be an integer in 1\.\.8192, got 0/],
    ['maxQueueDelayUs', '1.5', /maxQueueDelayUs: must be an integer/],
    ['maxEnqueuedBatches', 'many', /maxEnqueuedBatches: must be an integer .* got NaN/],
    ['enabled', 'maybe', /ABD_TEACHER_BATCHING: must be 1\/0, true\/false or on\/off, got 'maybe'/],
  ];
  for (const [k, v, msg] of bad)
    assert.throws(() => batcherConfigFrom((key) => (key === k ? v : undefined)), msg);
});
