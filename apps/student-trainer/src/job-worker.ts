// A job worker: one job's compute in its own process (job-runner.ts forks it). Config from the
// environment like main.ts: ABD_STORE, ABD_EXTRACTOR_ADDRESS, auth and TLS, ABD_SIGN_CACHE.
import { storeFromEnv } from '@abd/artifacts';
import { authTokenFromEnv, clientTlsFromEnv, ENV, makeClient } from '@abd/grpc-kit';
import { boundaryExtractor, studentTrainer } from '@abd/proto';
import { initBackend } from '@abd/tensor';
import { runJobWork } from './job-work';
import type { FromWorker, ToWorker } from './job-worker-protocol';

const ctl = new AbortController();
const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => (process.connected ? process.send!(m, () => resolve()) : resolve()));

// The trainer is gone (killed, or restarted): stop at once, a new trainer resumes the job.
process.on('disconnect', () => process.exit(1));

async function run(json: unknown): Promise<void> {
  await initBackend();
  const address = process.env[ENV.EXTRACTOR_ADDRESS];
  const extractor = address
    ? makeClient(boundaryExtractor.BoundaryExtractorClient, address, {
        token: authTokenFromEnv(),
        tls: clientTlsFromEnv(),
      })
    : undefined;
  try {
    const result = await runJobWork(studentTrainer.Job.fromJSON(json), {
      store: storeFromEnv('.abd/store'),
      extractor,
      useCache: process.env.ABD_SIGN_CACHE === '1',
      signal: ctl.signal,
      onStart: (totalEpochs) => void send({ t: 'start', totalEpochs }),
      onEvent: (e) => void send({ t: 'event', e }),
    });
    await send({ t: 'done', result });
  } catch (e) {
    const err = e as Error;
    await send({ t: 'error', message: err.message ?? String(e), stack: err.stack });
  } finally {
    extractor?.close();
  }
}

process.on('message', (m: ToWorker) => {
  if (m.t === 'cancel') ctl.abort();
  else if (m.t === 'run') void run(m.job).finally(() => process.exit(0));
});
