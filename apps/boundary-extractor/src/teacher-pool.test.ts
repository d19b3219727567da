// The pool rides out a replica that is down for a few seconds: a batch fails only after
// maxAttempts sends and minRetryMs since its first failure (a soak run had a job fail when a
// restarting replica burned all 6 sends of one batch within 8 s while the other was busy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ENV } from '@abd/grpc-kit';
import { serviceFixture } from '@abd/train/testing';
import { startServiceProcess, type ServiceProcess } from '@abd/train-io/testing';
import { TeacherPool, type TeacherJob } from './teacher-pool';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test('a replica that comes up seconds after the first send still answers every batch (2 sends, 30 s floor)', async () => {
  const fx = await serviceFixture();
  const port = await freePort();
  const pool = new TeacherPool([`127.0.0.1:${port}`], { maxAttempts: 2, minRetryMs: 30_000 });
  const jobs: TeacherJob[] = [0, 1].map((seq) => ({
    seq,
    index: seq,
    images: {
      data: Buffer.alloc(4 * 784, seq + 1),
      shape: [4, 28, 28, 1],
      labels: [],
      indices: [],
    },
  }));
  async function* source(): AsyncGenerator<TeacherJob> {
    yield* jobs;
  }
  // The replica process is started with the first send; it listens only seconds later.
  let server: ServiceProcess | undefined;
  const up = startServiceProcess('teacher-inference', fx.storeDir, {
    [ENV.PORT]: String(port),
  }).then((p) => {
    server = p;
  });
  try {
    const got: number[] = [];
    for await (const r of pool.run(source(), {
      teacher: { id: 'teacher-a', epoch: 0 },
      taps: [],
      logits: true,
      batchNormTrainMode: false,
    })) {
      got.push(r.job.seq);
      assert.equal(r.res.signMaps.length, 3);
    }
    assert.deepEqual(got, [0, 1]);
  } finally {
    await up;
    pool.close();
    await server?.stop();
    fx.cleanup();
  }
});
