import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore } from '@abd/artifacts';
import { ENV, makeClient } from '@abd/grpc-kit';
import { Wrn } from '@abd/models';
import { teacherInference } from '@abd/proto';
import { initBackend } from '@abd/tensor';
import { putCheckpoint } from '@abd/train';
import { checkFlags, num, str, type ParsedArgs } from '../args';
import { REPO_ROOT } from '../context';

interface Setting {
  label: string;
  env: Record<string, string>;
}

// A real replica: teacher-inference's main on 127.0.0.1:0; its address is read from its log.
async function startReplica(
  store: string,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<{ port: number; metricsPort: number; child: ChildProcess }> {
  const metricsPort = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'apps', 'teacher-inference', 'src', 'main.ts')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        [ENV.PORT]: '0',
        [ENV.HOST]: '127.0.0.1',
        [ENV.STORE]: store,
        [ENV.AUTH_TOKEN]: '',
        ABD_METRICS_PORT: String(metricsPort),
        ...env,
      },
    },
  );
  children.push(child);
  // The replica logs JSON lines on stderr: its address from 'listening'; anything but info passed on.
  const lines = createInterface({ input: child.stderr! });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const m = /"message":"listening","address":"127\.0\.0\.1:(\d+)"/.exec(line);
      if (m) resolve({ port: Number(m[1]), metricsPort, child });
      else if (!line.includes('"level":"info"')) process.stderr.write(`${line}\n`);
    });
    child.once('exit', (code) =>
      reject(new Error(`teacher-inference exited (${code}) before listening`)),
    );
  });
}

async function rssMiB(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const m = /^process_resident_memory_bytes (\d+)/m.exec(text);
  if (!m) throw new Error('no process_resident_memory_bytes in /metrics');
  return Number(m[1]) / 2 ** 20;
}

const pct = (xs: number[], q: number): number =>
  xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/**
 * Closed-loop load: `clients` callers, each on its own channel and stream, sending n-image Infer
 * requests one after the other for `seconds` (after one warm-up request each).
 */
async function load(
  port: number,
  clients: number,
  n: number,
  seconds: number,
  images: Buffer,
): Promise<{ ips: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let done = 0;
  const one = async (): Promise<void> => {
    const c = makeClient(teacherInference.TeacherInferenceClient, `127.0.0.1:${port}`, {
      maxMessageBytes: 64 * 1024 * 1024,
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    const s = c.infer();
    let wake: ((r: teacherInference.InferResponse) => void) | undefined;
    let fail: ((e: Error) => void) | undefined;
    s.on('data', (r: teacherInference.InferResponse) => wake?.(r));
    s.on('error', (e: Error) => fail?.(e));
    const ask = (id: number): Promise<teacherInference.InferResponse> =>
      new Promise((res, rej) => {
        wake = res;
        fail = rej;
        s.write({
          teacher: { id: 'bench-teacher', epoch: 0 },
          requestId: id,
          images: { data: images, shape: [n, 28, 28, 1], labels: [], indices: [] },
          taps: [],
          rawPreactivations: false,
          logits: true,
          batchNormTrainMode: false,
          features: [],
          omitSignMaps: false,
        });
      });
    await ask(0);
    warm();
    await barrier;
    for (let id = 1; performance.now() < end; id++) {
      const t0 = performance.now();
      await ask(id);
      if (performance.now() <= end) {
        lat.push(performance.now() - t0);
        done += n;
      }
    }
    s.end();
    c.close();
  };
  let end = Infinity;
  let open!: () => void;
  const barrier = new Promise<void>((r) => (open = r));
  let warmed = 0;
  let allWarm!: () => void;
  const ready = new Promise<void>((r) => (allWarm = r));
  const warm = (): void => {
    if (++warmed === clients) allWarm();
  };
  const all = Array.from({ length: clients }, one);
  // Everyone has had one answer (connections up, model loaded) before the clock starts.
  await Promise.race([ready, Promise.all(all)]);
  const start = performance.now();
  end = start + seconds * 1000;
  open();
  await Promise.all(all);
  lat.sort((a, b) => a - b);
  return { ips: done / seconds, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

/**
 * `abd bench-teacher`: images/s and p50/p99 latency of one teacher-inference replica (WRN-16-4,
 * 1x28x28) under 1/8/32 concurrent clients sending 8-image Infer calls, with dynamic batching
 * off and at two queue delays; then the replica's RSS before and after large requests.
 */
export async function benchTeacherCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['seconds', 'warmup', 'clients', 'images', 'delays', 'big'], 'bench-teacher');
  const seconds = num(args, 'seconds') ?? 6;
  const warmup = num(args, 'warmup') ?? 4;
  const clientCounts = (str(args, 'clients') ?? '1,8,32').split(',').map(Number);
  const n = num(args, 'images') ?? 8;
  const delays = (str(args, 'delays') ?? '1000,5000').split(',').map(Number);
  const big = num(args, 'big') ?? 1024;
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'abd-bench-teacher-'));
  const children: ChildProcess[] = [];
  try {
    const store = openStore(dir);
    const teacher = new Wrn({ depth: 16, widen: 4, inChannels: 1, numClasses: 10 }, 'paper', 0);
    await putCheckpoint(store, 'models/bench-teacher', teacher, {
      role: 'teacher',
      dataset: 'fashion-mnist',
      normalization: { mean: [0.286], std: [0.353] },
    });
    teacher.dispose();
    const images = Buffer.alloc(n * 784);
    for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
    const settings: Setting[] = [
      { label: 'batching off', env: { ABD_TEACHER_BATCHING: 'off' } },
      ...delays.map((d) => ({
        label: `batching max_queue_delay ${d} us`,
        env: { ABD_TEACHER_MAX_QUEUE_DELAY_US: String(d) },
      })),
    ];
    console.log(
      `# teacher-inference wrn-16-4 1x28x28, ${n}-image Infer calls, closed loop, ${seconds} s per point after ${warmup} s of warm-up; max_batch_size 128`,
    );
    for (const s of settings) {
      const r = await startReplica(dir, s.env, children);
      for (const c of clientCounts) {
        // Warm-up under the same load first: the kernels build a plan per new batch size.
        await load(r.port, c, n, warmup, images);
        const f = await load(r.port, c, n, seconds, images);
        console.log(
          `bench teacher ${s.label} clients ${c} ${f.ips.toFixed(1)} img/s p50 ${f.p50.toFixed(0)} ms p99 ${f.p99.toFixed(0)} ms`,
        );
      }
      r.child.kill('SIGTERM');
    }
    // Memory: a fresh replica, one warm-up call, then large requests (cut into max_batch_size passes).
    const r = await startReplica(dir, {}, children);
    await load(r.port, 1, n, 1, images);
    const before = await rssMiB(r.metricsPort);
    const bigImages = Buffer.alloc(big * 784, 7);
    const after: number[] = [];
    for (let k = 0; k < 4; k++) {
      await load(r.port, 1, big, 0.01, bigImages);
      after.push(await rssMiB(r.metricsPort));
    }
    console.log(
      `bench teacher rss before ${before.toFixed(0)} MiB, after each of 4 rounds of ${big}-image requests ${after.map((x) => x.toFixed(0)).join(' / ')} MiB`,
    );
    r.child.kill('SIGTERM');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
