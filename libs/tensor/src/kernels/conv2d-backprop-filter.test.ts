import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { KernelInputError } from './kernel-utils';
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
  test(`Conv2DBackpropFilter matches cpu: ${caseName(c)}`, async () => {
    const xv = {
      data: values(
        c.x.reduce((a, b) => a * b),
        3,
      ),
      shape: c.x,
    };
    const outShape = tf.tidy(
      () =>
        tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad)
          .shape,
    );
    const dyv = {
      data: values(
        outShape.reduce((a, b) => a * b),
        7,
      ),
      shape: outShape,
    };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    const [ref] = await onCpu(
      [xv, dyv],
      (x, dy) =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x, dy },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
    );
    const x = tf.tensor(xv.data, xv.shape);
    const dy = tf.tensor(dyv.data, dyv.shape);
    const before = liveCounts();
    const dw = runConfig(conv2DBackpropFilterConfig, { x, dy }, attrs);
    assert.deepEqual(
      liveCounts(),
      { tensors: before.tensors + 1, dataIds: before.dataIds + 1 },
      'one output, no leak',
    );
    assertClose({ data: dw.dataSync(), shape: dw.shape }, ref, caseName(c));
    tf.dispose([x, dy, dw]);
  });
}

test('Conv2DBackpropFilter rejects a dy that does not match x', () => {
  const x = tf.zeros([1, 5, 5, 2]);
  const dy = tf.zeros([1, 4, 4, 3]);
  assert.throws(
    () =>
      runConfig(
        conv2DBackpropFilterConfig,
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] },
      ),
    (e: unknown) =>
      e instanceof KernelInputError && /dy shape \[1,4,4,3\].*\[1,5,5,3\]/.test(e.message),
  );
  tf.dispose([x, dy]);
});
