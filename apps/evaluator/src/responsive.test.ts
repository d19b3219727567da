// A served evaluator answers while it evaluates: the compute runs in its worker process
// (worker-evaluation.ts), so health checks on new connections are not held up by the forward
// passes. The checks come from another process (@abd/train-io/testing's health prober).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { openStore } from '@abd/artifacts';
import { channelStats, loadDataset } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { Wrn } from '@abd/models';
import { evaluator } from '@abd/proto';
import { initBackend } from '@abd/tensor';
import { putCheckpoint } from '@abd/train';
import { quantile, startHealthProber } from '@abd/train-io/testing';
import { tempDir, writeBandDataset } from '@abd/train/testing';
import { evaluatorService } from './evaluator.service';
import { workerEvaluation, type EvaluationRunner } from './worker-evaluation';

const tmp = tempDir('abd-eval-busy-');
let server: RunningServer;
let client: evaluator.EvaluatorClient;
let runner: EvaluationRunner;
let address: string;

/** Test images: a WRN-16-2 forward pass of all of them at once is seconds of compute. */
const N_TEST = 768;

before(async () => {
  await initBackend();
  const dataDir = join(tmp.dir, 'data');
  mkdirSync(dataDir);
  writeBandDataset(dataDir, 64, N_TEST);
  const store = openStore(join(tmp.dir, 'store'));
  const m = new Wrn({ depth: 16, widen: 2, inChannels: 1, numClasses: 10 }, 'paper', 5);
  await putCheckpoint(store, 'models/big', m, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: channelStats(await loadDataset('fashion-mnist', 'train', { dir: dataDir })),
  });
  m.dispose();
  runner = workerEvaluation({ storeUrl: store.url, dataDir, log: silentLogger });
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [evaluatorService({ runner, log: silentLogger })],
    log: silentLogger,
    auth: null,
    tls: null,
  });
  address = `127.0.0.1:${server.port}`;
  client = makeClient(evaluator.EvaluatorClient, address);
});
after(async () => {
  client.close();
  await server.shutdown(200);
  await runner.close();
  tmp.cleanup();
});

const call = (batchSize: number) =>
  new Promise<evaluator.EvaluationReport>((res, rej) =>
    client.evaluate(
      evaluator.EvaluateRequest.fromPartial({ model: { id: 'big', epoch: 0 }, batchSize }),
      (e, v) => (e ? rej(e) : res(v)),
    ),
  );

/** Pids of this process's evaluation workers. */
const workers = (): number[] =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('evaluation-worker'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name, in clock ticks.
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

test('health on new connections answers within 1 s (p99) during an Evaluate; none fails', async (t) => {
  const prober = startHealthProber(address);
  // It starts the worker (its boot and the dataset's load are probed too); one batch of all the
  // images is one synchronous forward pass of seconds, which held the loop when it ran on the
  // server's.
  const t0 = performance.now();
  const r = await call(N_TEST);
  const ms = performance.now() - t0;
  const { latencies, failed, errors } = await prober.stop();
  assert.equal(r.examples, N_TEST);
  const late = latencies.filter((l) => l > 1000).length;
  t.diagnostic(
    `${(ms / 1000).toFixed(1)} s of Evaluate (${r.seconds.toFixed(1)} s in the worker): ${latencies.length} health checks, ${failed} failed, ${late} over 1 s, p99 ${quantile(latencies, 0.99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  assert.ok(latencies.length >= 10, `probed ${latencies.length} times during the Evaluate`);
  assert.equal(failed, 0, `${failed} of ${latencies.length} checks failed: ${errors.join('; ')}`);
  assert.ok(
    quantile(latencies, 0.99) < 1000 && late <= latencies.length / 100,
    `p99 ${quantile(latencies, 0.99).toFixed(0)} ms, ${late} of ${latencies.length} over 1 s`,
  );
});

test('a worker that dies fails its request UNAVAILABLE; the next request starts a new one', async () => {
  // The worker exists from the first test on; it is killed once it is computing this request:
  // once it has used 50 ms of CPU since the call (bounded wait), not after a guessed delay.
  const pids = workers();
  assert.equal(pids.length, 1, `one worker, got ${pids.join(', ')}`);
  const cpu0 = cpuMs(pids[0]);
  const pending = call(N_TEST);
  for (let i = 0; i < 2000 && cpuMs(pids[0]) - cpu0 < 50; i++)
    await new Promise((r) => setTimeout(r, 5));
  process.kill(pids[0], 'SIGKILL');
  const e = await pending.then(
    () => assert.fail('answered although its worker was killed'),
    (x: ServiceError) => x,
  );
  assert.equal(e.code, status.UNAVAILABLE, e.details);
  assert.match(e.details, /worker process exited \(SIGKILL\).*try again/);
  assert.equal((await call(64)).examples, N_TEST);
  const now = workers();
  assert.equal(now.length, 1);
  assert.notEqual(now[0], pids[0]);
});
