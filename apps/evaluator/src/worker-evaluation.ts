import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ArtifactStore } from '@abd/artifacts';
import type { DatasetCache } from '@abd/data';
import { ENV, type Logger } from '@abd/grpc-kit';
import type { evaluator } from '@abd/proto';
import { evaluateRequest } from './evaluation';
import type { FromWorker, ToWorker } from './evaluation-worker-protocol';

/** Where Evaluate requests are computed. */
export interface EvaluationRunner {
  evaluate(req: evaluator.EvaluateRequest): Promise<evaluator.EvaluationReport>;
  /** Stops what it started (a worker process); pending requests fail. */
  close(): Promise<void>;
}

/** On this process's event loop (library callers; a served evaluator uses workerEvaluation). */
export function inlineEvaluation(
  store: ArtifactStore,
  o: { dataDir?: string; cache?: DatasetCache } = {},
): EvaluationRunner {
  return { evaluate: (req) => evaluateRequest(store, req, o), close: async () => undefined };
}

export interface WorkerEvaluationOptions {
  /** The store the worker opens (ArtifactStore.url: file:// or s3://; S3 settings from the env). */
  storeUrl: string;
  dataDir?: string;
  /** Environment of the worker on top of this process's. */
  env?: Record<string, string | undefined>;
  log?: Logger;
}

const WORKER = join(__dirname, `evaluation-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

type Pending = {
  resolve: (r: evaluator.EvaluationReport) => void;
  reject: (e: Error) => void;
};

/**
 * Evaluations in one long-lived worker process (evaluation-worker.ts), started at the first
 * request and again after it dies: loading and forward passes hold its event loop, so the
 * server answers health checks, other calls and new connections meanwhile; and its dataset
 * cache lives as long as it does. A worker process, not a thread, as the student-trainer's
 * (terminating a thread with the native addon loaded crashed the process). A worker that dies
 * fails its pending requests with UNAVAILABLE (a retry starts a new one). It holds this process
 * open only while requests are pending.
 */
export function workerEvaluation(o: WorkerEvaluationOptions): EvaluationRunner {
  let child: ChildProcess | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  const hold = (on: boolean): void => {
    if (!child) return;
    const channel = child.channel as { ref(): void; unref(): void } | undefined;
    if (on) (child.ref(), channel?.ref());
    else (child.unref(), channel?.unref());
  };
  const settle = (id: number, f: (p: Pending) => void): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (pending.size === 0) hold(false);
    f(p);
  };

  const start = (): ChildProcess => {
    const c = fork(WORKER, [], {
      execArgv: WORKER.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env: { ...process.env, ...o.env, [ENV.STORE]: o.storeUrl },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let exited: string | undefined;
    let disconnected = false;
    // Only after both the exit and the end of the IPC channel are all of its answers read.
    const maybeDead = (): void => {
      if (exited === undefined || !disconnected) return;
      if (child === c) child = undefined;
      if (pending.size && !closed)
        o.log?.warn('evaluation worker exited', { how: exited, pending: pending.size });
      for (const id of [...pending.keys()])
        settle(id, (p) =>
          p.reject(
            Object.assign(
              new Error(
                `the evaluator's worker process exited (${exited}) during the evaluation; try again`,
              ),
              { code: 'UNAVAILABLE' },
            ),
          ),
        );
    };
    c.on('message', (m: FromWorker) => {
      if (m.t === 'done') settle(m.id, (p) => p.resolve(m.report));
      else settle(m.id, (p) => p.reject(Object.assign(new Error(m.details), { grpcCode: m.code })));
    });
    c.on('error', (e) => o.log?.warn('evaluation worker error', { error: e.message }));
    c.on('exit', (code, signal) => ((exited = signal ?? `code ${code}`), maybeDead()));
    c.on('disconnect', () => ((disconnected = true), maybeDead()));
    return c;
  };

  return {
    evaluate: (req) =>
      new Promise((resolve, reject) => {
        if (closed) {
          reject(
            Object.assign(new Error('the evaluator is shutting down'), { code: 'UNAVAILABLE' }),
          );
          return;
        }
        child ??= start();
        const id = nextId++;
        pending.set(id, { resolve, reject });
        hold(true);
        const m: ToWorker = { t: 'evaluate', id, req, dataDir: o.dataDir };
        child.send(m, (e) => e && settle(id, (p) => p.reject(e)));
      }),
    close: async () => {
      closed = true;
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.disconnect();
      const kill = setTimeout(() => c.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(kill);
    },
  };
}
