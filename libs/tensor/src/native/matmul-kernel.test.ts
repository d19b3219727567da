import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAddon } from './load-addon';
import {
  assertClose,
  onCpuAndWasm,
  seeded,
  skipWithoutAddon,
  useNativeWasm,
} from './native-test-util';

// [a shape, b shape] before transposition: a is [...batch, m, k], b is [...batch, k, n].
const shapes: Array<[number[], number[]]> = [
  [
    [3, 5],
    [5, 4],
  ],
  [
    [1, 7],
    [7, 1],
  ],
  [
    [2, 3, 5],
    [2, 5, 4],
  ],
  [
    [2, 3, 4, 5],
    [5, 6],
  ],
  [
    [4, 3],
    [2, 3, 2],
  ],
  [
    [2, 1, 3, 4],
    [1, 4, 2],
  ],
];

function t(shape: number[], on: boolean): number[] {
  if (!on) return shape;
  const s = [...shape];
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1] as number, s[r - 2] as number];
  return s;
}

for (const [sa, sb] of shapes) {
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      test(
        `native matMul matches cpu: ${sa} x ${sb} transposeA=${ta} transposeB=${tb}`,
        { skip: skipWithoutAddon },
        async () => {
          await useNativeWasm();
          const before = loadAddon().addon!.info().cachedMatMuls;
          const [cpu, wasm] = await onCpuAndWasm(() =>
            tf.matMul(seeded(t(sa, ta), 1), seeded(t(sb, tb), 2), ta, tb),
          );
          assertClose(wasm[0]!, cpu[0]!, 1e-5, 'matMul');
          assert.ok(loadAddon().addon!.info().cachedMatMuls >= before);
        },
      );
    }
  }
}

test(
  'native matMul falls back to the wasm kernel for two-sided batch broadcasts',
  { skip: skipWithoutAddon },
  async () => {
    const [cpu, wasm] = await onCpuAndWasm(() =>
      tf.matMul(seeded([2, 1, 3, 4], 3), seeded([2, 4, 5], 4)),
    );
    assertClose(wasm[0]!, cpu[0]!, 1e-5, 'broadcast');
  },
);

test(
  'native matMul: tf.memory().numTensors is flat over repeated calls',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    const a = seeded([2, 6, 5], 5),
      b = seeded([2, 5, 3], 6);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++)
      tf.dispose(
        tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b])),
      );
    assert.equal(tf.memory().numTensors, start);
    tf.dispose([a, b]);
  },
);
