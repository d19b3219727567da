import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { stockWasmKernel } from './register';
import { caseName, CONV_CASES } from '../testing/conv-cases';
import {
  assertClose,
  liveCounts,
  onCpu,
  runConfig,
  setupWasmAndCpu,
  values,
} from '../testing/reference';

before(setupWasmAndCpu);

for (const c of CONV_CASES) {
  test(`Conv2DBackpropInput matches cpu: ${caseName(c)}`, async () => {
    const fv = {
      data: values(
        c.filter.reduce((a, b) => a * b),
        5,
      ),
      shape: c.filter,
    };
    const outShape = tf.tidy(
      () =>
        tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad)
          .shape,
    );
    const dyv = {
      data: values(
        outShape.reduce((a, b) => a * b),
        11,
      ),
      shape: outShape,
    };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
    const [ref] = await onCpu(
      [dyv, fv],
      (dy, filter) =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy, filter },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    );
    const dy = tf.tensor(dyv.data, dyv.shape);
    const filter = tf.tensor(fv.data, fv.shape);
    const before = liveCounts();
    const dx = runConfig(
      conv2DBackpropInputConfig(stockWasmKernel(tf.Conv2DBackpropInput)),
      { dy, filter },
      attrs,
    );
    assert.deepEqual(
      liveCounts(),
      { tensors: before.tensors + 1, dataIds: before.dataIds + 1 },
      'one output, no leak',
    );
    assertClose({ data: dx.dataSync(), shape: dx.shape }, ref, caseName(c));
    tf.dispose([dy, filter, dx]);
  });
}

test('Conv2DBackpropInput without a stock kernel says why it cannot fall back', () => {
  const dy = tf.zeros([1, 6, 6, 2]); // 5 + 3 − 3 + 1 rows and columns
  const filter = tf.zeros([3, 3, 2, 2]);
  assert.throws(
    () =>
      runConfig(
        conv2DBackpropInputConfig(undefined),
        { dy, filter },
        {
          strides: 1,
          pad: [
            [0, 0],
            [3, 0],
            [0, 3],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          inputShape: [1, 5, 5, 2],
        },
      ),
    /padding 3\/0 larger than filter 3×3, and no stock kernel/,
  );
  tf.dispose([dy, filter]);
});
