import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer } from '@abd/proto';
import type { ArtifactStore } from '@abd/artifacts';
import type { TrainEvent } from '@abd/train';
import { runJobWork, type JobWorkResult } from './job-work';
import type { ToWorker, FromWorker } from './job-worker-protocol';

export interface JobRunHooks {
  onStart: (totalEpochs: number) => void;
  onEvent: (e: TrainEvent) => void;
}

/** A running job's work: its outcome, and a way to stop it after the current step. */
export interface JobRun {
  result: Promise<JobWorkResult>;
  cancel: () => void;
}

export type JobRunner = (job: studentTrainer.Job, hooks: JobRunHooks) => JobRun;

/** The work on this process's event loop (tests of the library calls; not for a served trainer). */
export function inlineRunner(o: {
  store: ArtifactStore;
  extractor?: boundaryExtractor.BoundaryExtractorClient;
  useCache?: boolean;
}): JobRunner {
  return (job, hooks) => {
    const ctl = new AbortController();
    return {
      result: runJobWork(job, { ...o, signal: ctl.signal, ...hooks }),
      cancel: () => ctl.abort(),
    };
  };
}

export interface ChildRunnerOptions {
  /** Environment of the worker on top of this process's (ABD_STORE, ABD_EXTRACTOR_ADDRESS, auth, TLS…). */
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** A cancelled worker that has not stopped after this long is killed (default 60 s). */
  cancelGraceMs?: number;
}

const WORKER = join(__dirname, `job-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

/**
 * Each job in its own process (job-worker.ts): data loading, teacher evaluation and training
 * hold that process's event loop, not the server's, so health, Get/List/Cancel/Watch and new
 * connections are answered while a job trains; and the process's memory (the wasm heap never
 * shrinks) goes back when the job ends. Events come back over IPC; CancelJob asks the worker to
 * stop after the current step. A worker that exits without an answer fails the job (its last
 * checkpoint is kept, so StartJob with resume continues from it). A worker whose trainer dies
 * exits too (the IPC channel closes), so a restarted trainer never races an orphan.
 */
export function childRunner(o: ChildRunnerOptions = {}): JobRunner {
  return (job, hooks) => {
    const child = fork(WORKER, [], {
      execArgv: WORKER.endsWith('.ts') ? ['--import', 'tsx'] : [],
      env: { ...process.env, ...o.env },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const send = (m: ToWorker): void => {
      if (child.connected)
        child.send(
          m,
          (e) => e && o.log?.warn('cannot reach job worker', { id: job.id, error: e.message }),
        );
    };
    let settled = false;
    let started = false;
    let cancelEarly: (() => void) | undefined;
    const result = new Promise<JobWorkResult>((resolve, reject) => {
      let exited: string | undefined;
      let disconnected = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        f();
      };
      // Only after both the exit and the end of the IPC channel are all of its messages read.
      const maybeDead = (): void => {
        if (exited !== undefined && disconnected) {
          settle(() =>
            reject(
              new Error(
                `the job's worker process exited (${exited}) before the job finished; its last checkpoint is kept, StartJob with resume continues from it`,
              ),
            ),
          );
        }
      };
      cancelEarly = () => settle(() => resolve({ cancelled: true, outputModels: [], metrics: {} }));
      child.on('message', (m: FromWorker) => {
        if (m.t === 'start') ((started = true), hooks.onStart(m.totalEpochs));
        else if (m.t === 'event') hooks.onEvent(m.e);
        else if (m.t === 'done') settle(() => resolve(m.result));
        else if (m.t === 'error')
          settle(() => reject(Object.assign(new Error(m.message), { stack: m.stack })));
      });
      child.on('error', (e) => settle(() => reject(e)));
      child.on('exit', (code, signal) => ((exited = signal ?? `code ${code}`), maybeDead()));
      child.on('disconnect', () => ((disconnected = true), maybeDead()));
    });
    send({ t: 'run', job: studentTrainer.Job.toJSON(job) });
    return {
      result,
      cancel: () => {
        // Before 'start' the worker has only read the spec (it writes nothing until it trains):
        // no need to wait for it to boot and stop.
        if (!started && !settled) {
          cancelEarly!();
          child.kill('SIGKILL');
          return;
        }
        send({ t: 'cancel' });
        const kill = setTimeout(() => !settled && child.kill('SIGKILL'), o.cancelGraceMs ?? 60_000);
        kill.unref();
      },
    };
  };
}
