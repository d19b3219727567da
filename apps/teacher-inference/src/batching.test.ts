import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadDataset, makeBatch } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { teacherInference } from '@abd/proto';
import type { BatcherConfig } from './batcher-config';
import { infer as inferLocal } from './infer';
import { teacherInferenceService } from './teacher-inference.service';
import { TeacherMetrics } from './teacher-metrics';
import { inferRequest } from './testing/infer-request';
import { bidiAll, serviceFixture, type ServiceFixture } from '@abd/train/testing';

let fx: ServiceFixture;
let batches: { images: Uint8Array; n: number }[];
const quiet = { host: '127.0.0.1', log: silentLogger, auth: null, tls: null } as const;

before(async () => {
  fx = await serviceFixture();
  const train = await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir });
  batches = [0, 1, 2, 3, 4, 5].map((b) =>
    makeBatch(
      train,
      Int32Array.from({ length: 7 }, (_, i) => b * 7 + i),
    ),
  );
});
after(() => fx.cleanup());

interface Running {
  server: RunningServer;
  svc: ReturnType<typeof teacherInferenceService>;
  forwards: [number, number][];
  client: () => teacherInference.TeacherInferenceClient;
  close: () => Promise<void>;
}

async function serve(batcher: Partial<BatcherConfig>, metrics?: TeacherMetrics): Promise<Running> {
  const forwards: [number, number][] = [];
  const svc = teacherInferenceService({
    store: fx.store,
    log: silentLogger,
    batcher,
    metrics,
    onForward: (n, calls) => forwards.push([n, calls]),
  });
  const server = await startServer({ ...quiet, port: 0, services: [svc] });
  const clients: teacherInference.TeacherInferenceClient[] = [];
  // One channel per caller, as separate client processes would have.
  const client = (): teacherInference.TeacherInferenceClient => {
    const c = makeClient(teacherInference.TeacherInferenceClient, `127.0.0.1:${server.port}`, {
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    clients.push(c);
    return c;
  };
  return {
    server,
    svc,
    forwards,
    client,
    close: async () => (
      clients.forEach((c) => c.close()),
      await server.shutdown(500),
      svc.models.dispose()
    ),
  };
}

/** With raw pre-activations: batched answers are compared with unbatched ones, pre-activations included. */
const req = (
  b: { images: Uint8Array; n: number },
  id: number,
  extra: Partial<teacherInference.InferRequest> = {},
) => inferRequest(b, id, { rawPreactivations: true, ...extra });

function call(
  c: teacherInference.TeacherInferenceClient,
  msgs: teacherInference.InferRequest[],
  deadlineMs?: number,
): Promise<teacherInference.InferResponse[]> {
  const stream =
    deadlineMs === undefined
      ? c.infer()
      : c.infer(new Metadata(), { deadline: Date.now() + deadlineMs });
  return bidiAll(stream as never, msgs);
}

const failure = (p: Promise<unknown>): Promise<ServiceError> =>
  p.then(
    () => assert.fail('expected a failure'),
    (e: ServiceError) => e,
  );

// The unbatched answer, computed in this process with the same teacher.
async function reference(
  r: Running,
  m: teacherInference.InferRequest,
): Promise<teacherInference.InferResponse> {
  return inferLocal(m, await r.svc.models.get('teacher-a', 0));
}

function sameBytes(
  got: teacherInference.InferResponse,
  want: teacherInference.InferResponse,
  what: string,
): void {
  assert.equal(got.requestId, want.requestId, what);
  assert.deepEqual(
    Buffer.from(got.logits!.data),
    Buffer.from(want.logits!.data),
    `${what}: logits`,
  );
  assert.deepEqual(got.logits!.shape, want.logits!.shape);
  assert.equal(got.signMaps.length, want.signMaps.length);
  got.signMaps.forEach((s, i) => {
    assert.deepEqual(s.shape, want.signMaps[i].shape);
    assert.deepEqual(
      Buffer.from(s.bits),
      Buffer.from(want.signMaps[i].bits),
      `${what}: bits of ${s.tap}`,
    );
    assert.deepEqual(
      Buffer.from(got.preactivations[i].tensor!.data),
      Buffer.from(want.preactivations[i].tensor!.data),
      `${what}: pre-activations of ${s.tap}`,
    );
  });
}

test('four requests of three callers merge into one forward pass; each gets bitwise its unbatched answer, in its order', async () => {
  const r = await serve({ maxBatchSize: 64, maxQueueDelayUs: 300_000 });
  try {
    // Caller A sends two requests on its stream, B and C one each: 28 images in one pass.
    const msgs = [
      [req(batches[0], 10), req(batches[1], 11)],
      [req(batches[2], 20)],
      [req(batches[3], 30)],
    ];
    const got = await Promise.all(msgs.map((m) => call(r.client(), m)));
    assert.deepEqual(
      r.forwards,
      [[28, 4]],
      'four requests (A has two in flight on its stream) in one pass',
    );
    assert.deepEqual(
      got[0].map((x) => x.requestId),
      [10, 11],
    );
    for (const [i, m] of msgs.entries())
      for (const [k, q] of m.entries())
        sameBytes(got[i][k], await reference(r, q), `caller ${i} request ${k}`);
  } finally {
    await r.close();
  }
});

test('a request over max_batch_size is cut into passes and joined back bitwise; batch-norm train mode is never merged or cut', async () => {
  const r = await serve({ maxBatchSize: 16, maxQueueDelayUs: 100_000 });
  try {
    const big = { images: Buffer.concat(batches.map((b) => Buffer.from(b.images))), n: 42 };
    const [a] = await call(r.client(), [req(big, 1)]);
    assert.deepEqual(r.forwards, [
      [16, 1],
      [16, 1],
      [10, 1],
    ]);
    sameBytes(a, await reference(r, req(big, 1)), 'cut request');
    r.forwards.length = 0;
    const bn = (b: { images: Uint8Array; n: number }, id: number) =>
      req(b, id, { batchNormTrainMode: true });
    const got = await Promise.all([
      call(r.client(), [bn(batches[0], 1)]),
      call(r.client(), [bn(batches[1], 2)]),
      call(r.client(), [req(batches[2], 3)]),
    ]);
    assert.deepEqual(
      r.forwards.map((f) => f[1]),
      [1, 1, 1],
    );
    sameBytes(got[0][0], await reference(r, bn(batches[0], 1)), 'bn train 0');
    sameBytes(got[1][0], await reference(r, bn(batches[1], 2)), 'bn train 1');
    const e = await failure(call(r.client(), [bn(big, 4)]));
    assert.equal(e.code, status.RESOURCE_EXHAUSTED);
    assert.match(
      e.details,
      /42 images with batch-norm in train mode.*at most 16 \(max_batch_size\)/,
    );
  } finally {
    await r.close();
  }
});

test('different taps or outputs are not merged; each still answers right', async () => {
  const r = await serve({ maxBatchSize: 64, maxQueueDelayUs: 200_000 });
  try {
    const a = req(batches[0], 1, { taps: ['tap2'] });
    const b = req(batches[1], 2, { taps: ['tap1', 'tap3'] });
    const got = await Promise.all([call(r.client(), [a]), call(r.client(), [b])]);
    assert.deepEqual(r.forwards, [
      [7, 1],
      [7, 1],
    ]);
    sameBytes(got[0][0], await reference(r, a), 'tap2');
    sameBytes(got[1][0], await reference(r, b), 'tap1+tap3');
  } finally {
    await r.close();
  }
});

test('a full queue answers RESOURCE_EXHAUSTED at once; the queued calls are still answered', async () => {
  // Queue of 1 x 16 images: two 7-image calls fit (and wait: the batch is not full), a third does not.
  const r = await serve({ maxBatchSize: 16, maxEnqueuedBatches: 1, maxQueueDelayUs: 1_000_000 });
  try {
    const queued = [call(r.client(), [req(batches[0], 1)]), call(r.client(), [req(batches[1], 2)])];
    await waitFor(() => r.svc.batcher.queuedImages === 14);
    const t0 = Date.now();
    const e = await failure(call(r.client(), [req(batches[2], 3)]));
    assert.equal(e.code, status.RESOURCE_EXHAUSTED);
    assert.match(
      e.details,
      /teacher queue full: 14 images queued, 7 more would pass the limit of 16/,
    );
    assert.ok(Date.now() - t0 < 500, 'refused before the queue delay passed');
    const ok = await Promise.all(queued);
    assert.deepEqual(
      ok.map((x) => x[0].requestId),
      [1, 2],
    );
  } finally {
    await r.close();
  }
});

test('a call past its deadline or cancelled leaves the queue and is not computed', async () => {
  // A long queue delay: nothing is computed before both have left.
  const r = await serve({ maxBatchSize: 64, maxQueueDelayUs: 3_000_000 });
  try {
    const stream = r.client().infer();
    stream.on('error', () => {});
    stream.write(req(batches[1], 2));
    await waitFor(() => r.svc.batcher.queuedImages === 7);
    const expired = await failure(call(r.client(), [req(batches[0], 1)], 300));
    assert.equal(expired.code, status.DEADLINE_EXCEEDED);
    await waitFor(() => r.svc.batcher.queuedImages === 7);
    stream.cancel();
    await waitFor(() => r.svc.batcher.queuedImages === 0);
    assert.deepEqual(r.forwards, [], 'nothing computed yet');
    const [ok] = await call(r.client(), [req(batches[2], 3)]);
    assert.equal(ok.requestId, 3);
    assert.deepEqual(r.forwards, [[7, 1]], 'only the live call was computed');
  } finally {
    await r.close();
  }
});

test('over max_images_per_request is RESOURCE_EXHAUSTED naming the limit, before any work', async () => {
  const r = await serve({ maxBatchSize: 8, maxImagesPerRequest: 10 });
  try {
    const big = { images: Buffer.concat([batches[0].images, batches[1].images]), n: 14 };
    const e = await failure(call(r.client(), [req(big, 1)]));
    assert.equal(e.code, status.RESOURCE_EXHAUSTED);
    assert.match(
      e.details,
      /14 images in one request, over this replica's limit of 10 \(max_images_per_request\)/,
    );
    assert.deepEqual(r.forwards, []);
  } finally {
    await r.close();
  }
});

test('taps: duplicates and more than the cap are INVALID_ARGUMENT; a 10 000-character name arrives as a short status', async () => {
  const r = await serve({});
  try {
    const cases: [string[], RegExp][] = [
      [['tap1', 'tap2', 'tap1'], /taps\[2\]: "tap1" is listed twice/],
      [Array.from({ length: 3000 }, () => 'tap1'), /taps: 3000 taps requested, at most 64/],
      [['x'.repeat(10_000)], /taps\[0\]: unknown tap "x{64}… \(10000 characters\)"/],
    ];
    for (const [taps, msg] of cases) {
      const e = await failure(call(r.client(), [req(batches[0], 1, { taps })]));
      assert.equal(e.code, status.INVALID_ARGUMENT, e.details);
      assert.match(e.details, msg);
      assert.ok(e.details.length < 300);
    }
    assert.deepEqual(r.forwards, []);
  } finally {
    await r.close();
  }
});

test('metrics: queue depth, batch sizes and latency in Prometheus text on /metrics', async () => {
  const metrics = new TeacherMetrics();
  const r = await serve({ maxBatchSize: 64, maxQueueDelayUs: 100_000 }, metrics);
  const http = await metrics.serve(0, '127.0.0.1');
  try {
    await Promise.all([
      call(r.client(), [req(batches[0], 1)]),
      call(r.client(), [req(batches[1], 2)]),
    ]);
    const text = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    assert.match(text, /^abd_teacher_queue_images 0$/m);
    assert.match(text, /^abd_teacher_batch_images_sum 14$/m);
    assert.match(text, /^abd_teacher_batch_requests_sum 2$/m);
    assert.match(text, /^abd_teacher_request_seconds_count\{code="OK"\} 2$/m);
    assert.match(text, /^abd_teacher_images_total 14$/m);
    assert.equal((await fetch(`http://127.0.0.1:${http.port}/other`)).status, 404);
  } finally {
    http.server.close();
    await r.close();
  }
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((res) => setTimeout(res, 10));
  assert.ok(cond(), 'condition not reached in 5 s');
}
