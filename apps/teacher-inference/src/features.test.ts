import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { status, type ServiceError } from '@grpc/grpc-js';
import { teacherInference } from '@abd/proto';
import { getCheckpoint, GROUP_POINTS, imagesToTensor } from '@abd/train';
import { floatsOf } from '@abd/train-io';
import { TeacherMetrics } from './teacher-metrics';
import { inferRequest } from './testing/infer-request';
import { startTeacherTestServer, type TeacherTestServer } from './testing/test-server';
import { bidiAll, type ServiceFixture } from '@abd/train/testing';

// InferRequest.features: the float maps FitNets (taps), FSP (group in/out) and AT (group out) read.
let t: TeacherTestServer;
let fx: ServiceFixture;
let client: teacherInference.TeacherInferenceClient;
let batches: { images: Uint8Array; n: number }[];
const metrics = new TeacherMetrics();

before(async () => {
  t = await startTeacherTestServer({ service: { metrics }, batches: { count: 2, size: 5 } });
  ({ fx, client, batches } = t);
});
after(() => t.close());

const infer = (msgs: teacherInference.InferRequest[]) =>
  bidiAll<teacherInference.InferRequest, teacherInference.InferResponse>(
    client.infer() as never,
    msgs,
  );

const featureImages = async () =>
  Number(/abd_teacher_feature_images_total (\d+)/.exec(await metrics.text())![1]);

for (const bn of [false, true]) {
  test(`features (BN ${bn ? 'train' : 'eval'}): float maps at taps and group maps equal a direct forward of the checkpoint; omit_sign_maps sends none`, async () => {
    const points = ['group1.in', 'tap2', 'group3.out', 'group2.in'];
    const before = await featureImages();
    const res = await infer(
      batches.map((b, i) =>
        inferRequest(b, i, {
          features: points,
          omitSignMaps: true,
          logits: false,
          batchNormTrainMode: bn,
        }),
      ),
    );
    assert.equal((await featureImages()) - before, 10, 'both requests counted, 5 images each');
    const ck = await getCheckpoint(fx.store, 'models/teacher-a');
    const stats = (ck.json.metadata as { normalization: { mean: number[]; std: number[] } })
      .normalization;
    batches.forEach((b, i) => {
      const r = res[i];
      assert.equal(r.signMaps.length, 0);
      assert.equal(r.logits, undefined);
      assert.deepEqual(
        r.features.map((f) => f.name),
        points,
      );
      const x = imagesToTensor(b.images, b.n, 28, 28, 1, stats);
      const direct = tf.tidy(() => {
        const o = ck.model.forward(x, { training: bn, updateStats: false, groupMaps: true });
        return [...o.taps, ...o.groups!];
      });
      x.dispose();
      const byName = (p: string) =>
        direct[
          p.startsWith('tap')
            ? Number(p.slice(3)) - 1
            : 3 + (GROUP_POINTS as readonly string[]).indexOf(p)
        ];
      for (const f of r.features) {
        const want = byName(f.name);
        assert.deepEqual(f.tensor!.shape, want.shape, f.name);
        assert.deepEqual(floatsOf(f.tensor!.data), want.dataSync(), `values of ${f.name}`);
      }
      tf.dispose(direct);
    });
    ck.model.dispose();
  });
}

test('Describe lists the feature points with their shapes', async () => {
  const d = await new Promise<teacherInference.ModelDescription>((res, rej) =>
    client.describe({ model: { id: 'teacher-a', epoch: 0 } }, (e, r) => (e ? rej(e) : res(r))),
  );
  assert.deepEqual(
    d.featurePoints.map((t) => [t.name, t.shape]),
    [
      ['tap1', [28, 28, 16]],
      ['tap2', [14, 14, 32]],
      ['tap3', [7, 7, 64]],
      ['group1.in', [28, 28, 16]],
      ['group1.out', [28, 28, 16]],
      ['group2.in', [28, 28, 16]],
      ['group2.out', [14, 14, 32]],
      ['group3.in', [14, 14, 32]],
      ['group3.out', [7, 7, 64]],
    ],
  );
});

async function failure(m: Partial<teacherInference.InferRequest>): Promise<ServiceError> {
  try {
    await infer([inferRequest(batches[0], 1, m)]);
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected a failure');
}

test('an unknown feature point, a repeated one, or a request for nothing is INVALID_ARGUMENT naming the field', async () => {
  const unknown = await failure({ features: ['group4.out'] });
  assert.equal(unknown.code, status.INVALID_ARGUMENT);
  assert.match(unknown.details, /features\[0\].*group4\.out.*points: tap1, tap2, tap3, group1\.in/);
  const twice = await failure({ features: ['tap1', 'tap1'] });
  assert.equal(twice.code, status.INVALID_ARGUMENT);
  assert.match(twice.details, /features\[1\]/);
  const nothing = await failure({ omitSignMaps: true, logits: false });
  assert.equal(nothing.code, status.INVALID_ARGUMENT);
  assert.match(nothing.details, /omit_sign_maps.*asks for nothing/);
});
