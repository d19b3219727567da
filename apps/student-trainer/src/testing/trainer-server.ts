// The student-trainer under test, in this process on 127.0.0.1:0: over a service stack's
// boundary-extractor (startServiceStack) or, without one, with batches made in-process.
import type { ArtifactStore } from '@abd/artifacts';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { studentTrainer, type boundaryExtractor } from '@abd/proto';
import type { ServiceFixture } from '@abd/train/testing';
import {
  startServiceStack,
  type ServiceStack,
  type ServiceStackOptions,
} from '@abd/train-io/testing';
import { JobManager } from '../job-manager';
import { childRunner } from '../job-runner';
import { studentTrainerService } from '../student-trainer.service';

export interface TrainerServer {
  jobs: JobManager;
  server: RunningServer;
  client: studentTrainer.StudentTrainerClient;
  /** The jobs recover() resumed (with `recover: true`). */
  resumed: string[];
  stop(): Promise<void>;
}

export interface TrainerOptions {
  extractor?: boundaryExtractor.BoundaryExtractorClient;
  /** Bearer token the server requires (and the client sends). */
  token?: string;
  /** Resume the unfinished jobs in the store first, as main.ts does. */
  recover?: boolean;
  /**
   * Run each job in a worker process as a served trainer does (childRunner); the worker reaches
   * the store at `storeDir` and the extractor at `extractorAddress` itself. Absent: inline.
   */
  workers?: { storeDir: string; extractorAddress?: string };
}

export async function startTrainer(
  store: ArtifactStore,
  o: TrainerOptions = {},
): Promise<TrainerServer> {
  const runner = o.workers
    ? childRunner({
        env: { ABD_STORE: o.workers.storeDir, ABD_EXTRACTOR_ADDRESS: o.workers.extractorAddress },
      })
    : undefined;
  const jobs = new JobManager({ store, extractor: o.extractor, runner, log: silentLogger });
  const resumed = o.recover ? await jobs.recover() : [];
  const auth = o.token ? { token: o.token } : null;
  const server = await startServer({
    log: silentLogger,
    tls: null,
    auth,
    host: '127.0.0.1',
    port: 0,
    services: [studentTrainerService(jobs, silentLogger)],
  });
  const client = makeClient(studentTrainer.StudentTrainerClient, `127.0.0.1:${server.port}`, {
    token: o.token,
  });
  const stop = async () => {
    client.close();
    await server.shutdown(200);
  };
  return { jobs, server, client, resumed, stop };
}

/** startServiceStack + the trainer over its extractor (or, with `inProcessBatches`, without it). */
export interface TrainerStack {
  stack: ServiceStack;
  fx: ServiceFixture;
  tr: TrainerServer;
  trainer: studentTrainer.StudentTrainerClient;
  /** Stops the trainer, then the stack. */
  stop(): Promise<void>;
}

export async function startTrainerStack(
  o: ServiceStackOptions = {},
  t: { token?: string; inProcessBatches?: boolean } = {},
): Promise<TrainerStack> {
  const stack = await startServiceStack(o);
  // Jobs run in worker processes as in a served trainer; they reach the same store and extractor.
  const workers = t.inProcessBatches
    ? undefined
    : { storeDir: stack.fx.storeDir, extractorAddress: stack.extractor?.address };
  const tr = await startTrainer(stack.fx.store, {
    extractor: t.inProcessBatches ? undefined : stack.extractorClient,
    token: t.token,
    workers,
  });
  const stop = async () => {
    await tr.stop();
    await stack.stop();
  };
  return { stack, fx: stack.fx, tr, trainer: tr.client, stop };
}
