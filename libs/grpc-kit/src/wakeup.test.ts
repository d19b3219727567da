import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Wakeup } from './wakeup';

test('Wakeup: notify resolves the pending wait once; a notify with no waiter is dropped', async () => {
  const w = new Wakeup();
  w.notify(); // nobody waiting: dropped
  let woke = 0;
  const p = w.wait().then(() => woke++);
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, 0, 'the earlier notify did not count');
  const { notify } = w;
  notify();
  await p;
  assert.equal(woke, 1);
  notify(); // again nobody waiting
  const q = w.wait().then(() => woke++);
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, 1);
  w.notify();
  await q;
  assert.equal(woke, 2);
});
