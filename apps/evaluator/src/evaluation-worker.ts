// The evaluator's compute process (worker-evaluation.ts forks it once and keeps it): model and
// dataset loading and the forward passes hold this process's event loop, not the server's.
// Loaded datasets and channel statistics stay in its DatasetCache between requests. Store and
// backend from the environment like main.ts (ABD_STORE, ABD_BACKEND, ABD_DATA_DIR...).
import { storeFromEnv } from '@abd/artifacts';
import { DatasetCache } from '@abd/data';
import { jsonLogger, toGrpcStatus } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { evaluateRequest } from './evaluation';
import type { FromWorker, ToWorker } from './evaluation-worker-protocol';

const METHOD = '/abd.v1.Evaluator/Evaluate';
const log = jsonLogger();
const store = storeFromEnv('.abd/store');
const cache = new DatasetCache();
const ready = initBackend();

// The evaluator is gone (stopped, killed or restarted): nothing is left to answer.
process.on('disconnect', () => process.exit(0));

const send = (m: FromWorker): void => {
  if (process.connected) process.send!(m);
};

async function handle(m: ToWorker): Promise<void> {
  try {
    await ready;
    const report = await evaluateRequest(store, m.req, { dataDir: m.dataDir, cache });
    send({ t: 'done', id: m.id, report });
  } catch (e) {
    // Unexpected errors are logged here (stderr is the evaluator's) and answered INTERNAL.
    const s = toGrpcStatus(e, log, METHOD);
    send({ t: 'error', id: m.id, code: s.code, details: s.details });
  }
}

process.on('message', (m: ToWorker) => {
  if (m.t === 'evaluate') void handle(m);
});
