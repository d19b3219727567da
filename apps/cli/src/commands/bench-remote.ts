import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { channelStats, loadDataset, subsetIndices } from '@abd/data';
import { ENV, makeClient } from '@abd/grpc-kit';
import { Connectors, Wrn } from '@abd/models';
import { boundaryExtractor } from '@abd/proto';
import { BatchSource, LocalBatchSource, putCheckpoint, trainAbInit } from '@abd/train';
import { RemoteBatchSource } from '@abd/train-io';
import { REPO_ROOT } from '../context';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * `abd bench --remote`: the AB stage (teacher WRN-16-4 → student WRN-16-2 + connectors, on
 * Fashion-MNIST) in-process and through teacher-inference + boundary-extractor processes on
 * this machine; images/s of both, and bytes on the wire per image for packed sign maps vs the
 * float32 pre-activations they replace.
 */
export async function benchRemote(batch: number, batches: number, teachers: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'abd-bench-remote-'));
  const children: ChildProcess[] = [];
  try {
    const store = openStore(dir);
    const train = await loadDataset('fashion-mnist', 'train');
    const stats = channelStats(train);
    const count = batch * batches;
    const indices = subsetIndices(train, { count, seed: 0 });
    const teacher = new Wrn({ depth: 16, widen: 4, inChannels: 1, numClasses: 10 }, 'paper', 0);
    await putCheckpoint(store, 'models/bench-teacher', teacher, {
      role: 'teacher',
      dataset: 'fashion-mnist',
    });
    const common = { batchSize: batch, seed: 1, augment: { pad: 4, flip: false } };
    const run = async (label: string, source: BatchSource) => {
      const student = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 1);
      const conns = new Connectors(student.tapWidths, teacher.tapWidths, 'paper', 2);
      const sgd = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true };
      let t0 = 0;
      let n = 0;
      await trainAbInit(
        student,
        conns,
        source,
        {
          label,
          epochs: 1,
          mu: 1,
          weights: [3 / 4000, 3 / 2000, 3 / 1000],
          sgd,
          schedule: 'constant',
          resetOptimizer: false,
        },
        {
          // The first step pays one-off costs (kernel set-up, connections): time from its end.
          onEvent: (e) => {
            if (e.type !== 'step') return;
            if (e.step === 0) t0 = performance.now();
            else n += batch;
          },
        },
      );
      const ips = n / ((performance.now() - t0) / 1000);
      student.dispose();
      conns.dispose();
      return ips;
    };
    const local = await run(
      'in-process',
      new LocalBatchSource({ set: train, indices, stats, ...common, teacher }),
    );
    console.log(
      `bench remote ab-step wrn-16-4->wrn-16-2 1x28x28 b${batch} in-process ${local.toFixed(1)} img/s`,
    );

    const teacherPorts = await Promise.all(Array.from({ length: teachers }, freePort));
    const exPort = await freePort();
    const start = (svc: string, port: number, env: Record<string, string> = {}) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'apps', svc, 'src', 'main.ts')],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: {
            ...process.env,
            [ENV.PORT]: String(port),
            [ENV.HOST]: '127.0.0.1',
            [ENV.STORE]: dir,
            [ENV.AUTH_TOKEN]: '',
            ...env,
          },
        },
      );
      children.push(c);
    };
    for (const p of teacherPorts) start('teacher-inference', p);
    start('boundary-extractor', exPort, {
      [ENV.TEACHER_ADDRESSES]: teacherPorts.map((p) => `127.0.0.1:${p}`).join(','),
    });
    const client = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${exPort}`);
    await new Promise<void>((res, rej) =>
      client.waitForReady(Date.now() + 60_000, (e) => (e ? rej(e) : res())),
    );
    const remote = new RemoteBatchSource({
      client,
      teacher: { id: 'bench-teacher' },
      dataset: 'fashion-mnist',
      subset: { count, seed: 0 },
      seed: common.seed,
      batchSize: batch,
      augment: common.augment,
      size: indices.length,
      stats,
      shape: { height: 28, width: 28, channels: 1 },
    });
    const ips = await run('remote', remote);
    client.close();
    console.log(
      `bench remote ab-step wrn-16-4->wrn-16-2 1x28x28 b${batch} through-services (${teachers} teacher replica${teachers > 1 ? 's' : ''}) ${ips.toFixed(1)} img/s`,
    );
    console.log(`bench remote ab-step ratio remote/in-process ${(ips / local).toFixed(2)}`);
    const floatBytes = teacher.tapWidths.reduce(
      (s, w, i) => s + [28 * 28, 14 * 14, 7 * 7][i] * w * 4,
      0,
    );
    const signBytes = remote.signBytes / Math.max(1, remote.images);
    console.log(
      `bench remote sign-map bytes/image ${signBytes.toFixed(0)} float32-preactivation bytes/image ${floatBytes} ratio ${(signBytes / floatBytes).toFixed(4)} (1/${(floatBytes / signBytes).toFixed(1)})`,
    );
    teacher.dispose();
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
