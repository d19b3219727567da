import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { onCpu, values } from '../testing/reference';
import { useNativeWasm } from './native-test-util';

before(async () => {
  const status = await useNativeWasm();
  assert.ok(status.kernels.includes(tf.Greater), `native Greater not registered: ${status.reason}`);
});

const SPECIAL = [NaN, 0, -0, 1e-30, -1e-30, Infinity, -Infinity, 0.5, -0.5];

const CASES: Array<{ a: number[]; b: number[]; s: number }> = [
  { a: [2, 3, 4, 5], b: [], s: 0 }, // ρ(x): the sign map's case
  { a: [4, 64, 64, 16], b: [], s: 0 }, // above the threaded pass's threshold
  { a: [7, 9], b: [1], s: 0.25 },
  { a: [3, 2, 2, 3], b: [1, 1, 1, 1], s: -0.5 },
  { a: [6], b: [1, 1], s: 0 }, // b of higher rank: the output gains a dimension (stock kernel)
  { a: [], b: [], s: 0 },
  { a: [2, 0, 3], b: [], s: 0 },
];

for (const c of CASES) {
  test(`native Greater equals the cpu backend: [${c.a}] > ${c.s} of shape [${c.b}]`, async () => {
    const n = c.a.reduce((x, y) => x * y, 1);
    const data = Float32Array.from(values(n, 5), (v, i) => (i < SPECIAL.length ? SPECIAL[i]! : v));
    const bData = Float32Array.of(c.s);
    const [ref] = await onCpu(
      [
        { data, shape: c.a },
        { data: bData, shape: c.b },
      ],
      (a, b) => tf.cast(tf.greater(a, b), 'float32'),
    );
    const a = tf.tensor(data, c.a);
    const b = tf.tensor(bData, c.b);
    const y = tf.greater(a, b);
    assert.equal(y.dtype, 'bool');
    assert.deepEqual(y.shape, ref!.shape);
    assert.deepEqual(Array.from(tf.cast(y, 'float32').dataSync()), Array.from(ref!.data));
    tf.dispose([a, b, y]);
  });
}

test('native Greater: an int32 or a non-scalar right operand goes to the stock kernel', () => {
  const a = tf.tensor2d([1, -2, 3, 0], [2, 2]);
  const b = tf.tensor2d([0, -3, 4, 0], [2, 2]);
  assert.deepEqual(Array.from(tf.greater(a, b).dataSync()), [1, 1, 0, 0]);
  const i = tf.tensor1d([1, -1, 0], 'int32');
  assert.deepEqual(Array.from(tf.greater(i, 0).dataSync()), [1, 0, 0]);
  tf.dispose([a, b, i]);
});
