// `node --import tsx tools/soak/src/health-under-load.ts`: health latency of the evaluator and
// the boundary-extractor (each a process on loopback) while they serve a heavy request, checked
// from another process every 50 ms on new connections (1 s deadline). Prints one line per service.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { openStore } from '@abd/artifacts';
import { channelStats, loadDataset } from '@abd/data';
import { ENV, makeClient } from '@abd/grpc-kit';
import { Wrn } from '@abd/models';
import { boundaryExtractor, evaluator } from '@abd/proto';
import { initBackend } from '@abd/tensor';
import { putCheckpoint } from '@abd/train';
import { quantile, startHealthProber, type ProbeResult } from '@abd/train-io/testing';
import { tempDir, writeBandDataset } from '@abd/train/testing';
import { ServiceProcess } from './service-process';

const line = (name: string, what: string, ms: number, p: ProbeResult): string =>
  `health-under-load: ${name} during ${what} (${(ms / 1000).toFixed(1)} s): ${p.latencies.length} checks, ${p.failed} failed, p99 ${quantile(p.latencies, 0.99).toFixed(0)} ms, max ${Math.max(...p.latencies).toFixed(0)} ms`;

async function measure(
  address: string,
  work: () => Promise<unknown>,
): Promise<{ ms: number; probes: ProbeResult }> {
  const prober = startHealthProber(address);
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  return { ms, probes: await prober.stop() };
}

async function main(): Promise<void> {
  await initBackend();
  const t = tempDir('abd-load-');
  const dataDir = join(t.dir, 'data');
  const storeDir = join(t.dir, 'store');
  mkdirSync(dataDir);
  writeBandDataset(dataDir, 2048, 2048);
  const store = openStore(storeDir);
  const train = await loadDataset('fashion-mnist', 'train', { dir: dataDir });
  const m = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 5);
  await putCheckpoint(store, 'models/teacher-big', m, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: channelStats(train),
  });
  m.dispose();
  const env = { [ENV.STORE]: storeDir, ABD_DATA_DIR: dataDir, ABD_OFFLINE: '1' };
  const teacher = new ServiceProcess('teacher', 'teacher-inference', env);
  const ev = new ServiceProcess('evaluator', 'evaluator', env);
  await Promise.all([teacher.start(), ev.start()]);
  const ex = new ServiceProcess('extractor', 'boundary-extractor', {
    ...env,
    [ENV.TEACHER_ADDRESSES]: teacher.address,
  });
  await ex.start();
  try {
    const ec = makeClient(evaluator.EvaluatorClient, ev.address);
    const req = evaluator.EvaluateRequest.fromPartial({ model: { id: 'teacher-big', epoch: 0 } });
    const a = await measure(
      ev.address,
      () =>
        new Promise((res, rej) =>
          ec.evaluate(req, new Metadata(), { deadline: Date.now() + 600_000 }, (e, r) =>
            e ? rej(e) : res(r),
          ),
        ),
    );
    console.log(
      line(
        'evaluator',
        'Evaluate of WRN-16-2 on 2048 test images at the default batch size',
        a.ms,
        a.probes,
      ),
    );
    const xc = makeClient(boundaryExtractor.BoundaryExtractorClient, ex.address);
    const sreq = boundaryExtractor.StreamRequest.fromPartial({
      teacher: { id: 'teacher-big', epoch: 0 },
      dataset: { name: 'fashion-mnist' },
      split: 1,
      batchSize: 1024,
      seed: 1,
      teacherLogits: true,
      augmentation: { pad: 4, flip: false },
      shuffle: true,
    });
    const b = await measure(
      ex.address,
      () =>
        new Promise((res, rej) => {
          const s = xc.stream(sreq, new Metadata(), { deadline: Date.now() + 600_000 });
          s.on('data', () => undefined);
          s.on('error', rej);
          s.on('end', res);
        }),
    );
    console.log(
      line(
        'extractor',
        'Stream of 2048 train images in batches of 1024 (teacher WRN-16-2)',
        b.ms,
        b.probes,
      ),
    );
    ec.close();
    xc.close();
  } finally {
    await Promise.all([teacher, ev, ex].map((s) => s.stop()));
    t.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => (console.error(e.stack ?? e.message), process.exit(1)),
);
