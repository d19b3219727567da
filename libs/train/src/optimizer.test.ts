import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { SgdNesterov } from './optimizer';

before(async () => {
  await initBackend({ backend: 'cpu' });
});

test('SGD Nesterov with weight decay follows PyTorch’s update, hand-computed over two steps', () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const opt = new SgdNesterov(new Map([['p', p]]), {
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 0.01,
    nesterov: true,
  });
  // step 1: g = [0.5, 0.5] + 0.01·p = [0.51, 0.48]; b = g; upd = g + 0.9·b = 1.9·g
  opt.step(new Map([['p', tf.tensor1d([0.5, 0.5])]]));
  const p1 = [1 - 0.1 * 1.9 * 0.51, -2 - 0.1 * 1.9 * 0.48];
  const got1 = p.dataSync();
  p1.forEach((v, i) => assert.ok(Math.abs(got1[i] - v) < 1e-6, `step 1 [${i}] ${got1[i]} vs ${v}`));
  // step 2: g = [0.1, -0.1] + 0.01·p1; b = 0.9·b1 + g; upd = g + 0.9·b
  opt.step(new Map([['p', tf.tensor1d([0.1, -0.1])]]));
  const g2 = [0.1 + 0.01 * p1[0], -0.1 + 0.01 * p1[1]];
  const b2 = [0.9 * 0.51 + g2[0], 0.9 * 0.48 + g2[1]];
  const p2 = [p1[0] - 0.1 * (g2[0] + 0.9 * b2[0]), p1[1] - 0.1 * (g2[1] + 0.9 * b2[1])];
  const got2 = p.dataSync();
  p2.forEach((v, i) => assert.ok(Math.abs(got2[i] - v) < 1e-6, `step 2 [${i}] ${got2[i]} vs ${v}`));
  // The state round-trips into a fresh optimizer.
  const opt2 = new SgdNesterov(new Map([['p', p]]), opt.opts);
  opt2.loadState(opt.state());
  assert.deepEqual(
    Array.from(opt2.state().get('p')!.dataSync()),
    Array.from(opt.state().get('p')!.dataSync()),
  );
  opt.dispose();
  opt2.dispose();
  p.dispose();
});

test('without momentum it is plain SGD, and the tensor count stays flat', () => {
  const p = tf.variable(tf.tensor1d([1]));
  const opt = new SgdNesterov(new Map([['p', p]]), {
    lr: 0.5,
    momentum: 0,
    weightDecay: 0,
    nesterov: false,
  });
  const g = tf.tensor1d([2]);
  const before = tf.memory().numTensors;
  opt.step(new Map([['p', g]]));
  opt.step(new Map([['p', g]]));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(p.dataSync()[0], -1);
  tf.dispose([g, p]);
});
