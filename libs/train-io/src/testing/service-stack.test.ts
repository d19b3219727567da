import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceFixture } from '@abd/train/testing';
import { startServiceProcess, startServiceStack } from './service-stack';

test('startServiceStack: real processes on loopback ports, counters from their metrics, stop() ends them all', async () => {
  const stack = await startServiceStack({ teachers: 2 });
  try {
    assert.equal(stack.teachers.length, 2);
    for (const p of [...stack.teachers, stack.extractor!])
      assert.match(p.address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(stack.teachers[0].address, stack.teachers[1].address);
    assert.deepEqual(await Promise.all(stack.teachers.map((t) => stack.teacherImages(t))), [0, 0]);
  } finally {
    await stack.stop();
  }
  for (const p of [...stack.teachers, stack.extractor!])
    assert.ok(p.child.exitCode !== null || p.child.signalCode !== null, `${p.service} still runs`);
});

test('a service that exits before it listens fails the start with its own message', async () => {
  const fx = await serviceFixture();
  try {
    await assert.rejects(
      startServiceProcess('boundary-extractor', fx.storeDir, { ABD_PORT: 'no-port' }),
      /boundary-extractor exited \(1\) before it listened:[\s\S]*ABD_PORT/,
    );
  } finally {
    fx.cleanup();
  }
});
