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

type Pad =
  'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: Pad;
}

const cases: Case[] = [
  { n: 1, h: 7, w: 7, ci: 3, co: 4, k: 3, s: 1, pad: 'same' },
  { n: 1, h: 7, w: 7, ci: 3, co: 4, k: 3, s: 2, pad: 'same' },
  { n: 2, h: 9, w: 5, ci: 2, co: 3, k: 3, s: 2, pad: 'valid' },
  { n: 2, h: 9, w: 5, ci: 3, co: 2, k: 3, s: 1, pad: 'valid' },
  { n: 2, h: 9, w: 5, ci: 3, co: 2, k: 1, s: 2, pad: 'same' },
  { n: 1, h: 8, w: 8, ci: 4, co: 4, k: 1, s: 2, pad: 'same' },
  { n: 3, h: 7, w: 7, ci: 2, co: 5, k: 1, s: 1, pad: 'valid' },
  { n: 2, h: 8, w: 6, ci: 3, co: 4, k: 3, s: 2, pad: 'same' },
  {
    n: 1,
    h: 7,
    w: 9,
    ci: 2,
    co: 3,
    k: 3,
    s: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
];

function name(c: Case): string {
  return `n${c.n} ${c.h}x${c.w} ${c.ci}->${c.co} k${c.k} s${c.s} ${JSON.stringify(c.pad)}`;
}

for (const layout of ['nhwc', 'any', 'auto'] as const) {
  for (const c of cases) {
    test(
      `native conv2d (${layout}) forward/backprop-input/backprop-filter match cpu: ${name(c)}`,
      { skip: skipWithoutAddon },
      async () => {
        await useNativeWasm();
        loadAddon().addon!.setConvLayout(layout);
        const before = loadAddon().addon!.info().cachedConvs;
        const [cpu, wasm] = await onCpuAndWasm(() => {
          const x = seeded([c.n, c.h, c.w, c.ci], 1) as tf.Tensor4D;
          const f = seeded([c.k, c.k, c.ci, c.co], 2) as tf.Tensor4D;
          const y = tf.conv2d(x, f, c.s, c.pad);
          const dy = seeded(y.shape, 3) as tf.Tensor4D;
          const attrs = {
            strides: c.s,
            pad: c.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: undefined,
          };
          const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, {
            ...attrs,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          const df = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            ...attrs,
            filterShape: f.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          return [y, dx, df];
        });
        ['forward', 'backprop input', 'backprop filter'].forEach((what, i) =>
          assertClose(wasm[i]!, cpu[i]!, 1e-4, what),
        );
        const info = loadAddon().addon!.info();
        assert.ok(
          info.cachedConvs > before || Object.keys(info.convChoices).length >= 3,
          'native convs were used',
        );
        loadAddon().addon!.setConvLayout('auto');
      },
    );
  }
}

test(
  'native conv2d: tf.memory().numTensors is flat over repeated calls',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    const x = seeded([2, 9, 5, 3], 4) as tf.Tensor4D;
    const f = seeded([3, 3, 3, 4], 5) as tf.Tensor4D;
    const step = () =>
      tf.tidy(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')),
        )([x, f]),
      );
    tf.dispose(step());
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(step());
    assert.equal(tf.memory().numTensors, start);
    tf.dispose([x, f]);
  },
);

test(
  'native conv2d: wasm memory growth between calls is handled',
  { skip: skipWithoutAddon },
  async () => {
    await useNativeWasm();
    const heap = () =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
    const x = seeded([1, 9, 5, 3], 6) as tf.Tensor4D;
    const f = seeded([3, 3, 3, 2], 7) as tf.Tensor4D;
    const first = await tf.conv2d(x, f, 1, 'same').data();
    const before = heap();
    const big = tf.fill([48 * 1024 * 1024], 1); // 192 MB: forces the heap to grow
    assert.notEqual(heap(), before, 'heap ArrayBuffer was replaced');
    const again = tf.conv2d(x, f, 1, 'same');
    assertClose((await again.data()) as Float32Array, first as Float32Array, 1e-6, 'after growth');
    const big2 = tf.fill([96 * 1024 * 1024], 2); // grows again while x and f stay in place
    const third = tf.conv2d(x, f, 1, 'same');
    assertClose(
      (await third.data()) as Float32Array,
      first as Float32Array,
      1e-6,
      'after second growth',
    );
    tf.dispose([x, f, big, big2, again, third]);
  },
);
