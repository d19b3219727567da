// A replica answers health checks while it computes a maximum-size request: the batcher runs a
// batch in passes of `passImages` images with the event loop free between them. The checks come
// from another process (@abd/train-io/testing's health prober), so a held loop cannot hide its own stall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { channelStats, loadDataset } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { Wrn } from '@abd/models';
import { teacherInference } from '@abd/proto';
import { putCheckpoint } from '@abd/train';
import { DEFAULT_BATCHER } from './batcher-config';
import { teacherInferenceService } from './teacher-inference.service';
import { bidiAll, serviceFixture, type ServiceFixture } from '@abd/train/testing';
import { quantile, startHealthProber } from '@abd/train-io/testing';
import { inferRequest } from './testing/infer-request';

let fx: ServiceFixture;
let server: RunningServer;
let svc: ReturnType<typeof teacherInferenceService>;

before(async () => {
  fx = await serviceFixture();
  // The default teacher's size (WRN-16-2): a 128-image pass of it takes about a second on one core.
  const train = await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir });
  const big = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 5);
  await putCheckpoint(fx.store, 'models/teacher-big', big, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: channelStats(train),
  });
  big.dispose();
  svc = teacherInferenceService({ store: fx.store, log: silentLogger });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLogger,
    auth: null,
    tls: null,
    services: [svc],
  });
});
after(async () => {
  await server.shutdown(200);
  svc.models.dispose();
  fx.cleanup();
});

test('health on new connections answers within 1 s (p99) during a max_images_per_request Infer; none fails', async (t) => {
  const n = DEFAULT_BATCHER.maxImagesPerRequest;
  const images = new Uint8Array(n * 784).map((_, i) => (i * 7919) % 251);
  const client = makeClient(teacherInference.TeacherInferenceClient, `127.0.0.1:${server.port}`);
  const prober = startHealthProber(`127.0.0.1:${server.port}`);
  // The prober's first check is its start; the request goes once it is probing.
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const [res] = await bidiAll<teacherInference.InferRequest, teacherInference.InferResponse>(
    client.infer() as never,
    [inferRequest({ images, n }, 1, { teacher: { id: 'teacher-big', epoch: 0 } })],
  );
  const took = performance.now() - t0;
  const { latencies, failed, errors } = await prober.stop();
  client.close();
  assert.equal(res.signMaps.length, 3);
  assert.equal(res.logits!.shape[0], n);
  const late = latencies.filter((l) => l > 1000).length;
  t.diagnostic(
    `Infer of ${n} images took ${took.toFixed(0)} ms; ${latencies.length} health checks, ${failed} failed, ${late} over 1 s, p99 ${quantile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  assert.ok(latencies.length >= 10, `probed ${latencies.length} times`);
  assert.equal(
    failed,
    0,
    `${failed} of ${latencies.length} health checks failed: ${errors.join('; ')}`,
  );
  assert.ok(quantile(latencies, 0.99) < 1000, `p99 ${quantile(latencies, 0.99).toFixed(0)} ms`);
});
