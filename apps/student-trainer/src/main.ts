// student-trainer: training jobs through the boundary-extractor. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { authTokenFromEnv, clientTlsFromEnv, ENV, jsonLogger, makeClient, portFromEnv, startServer } from '@abd/grpc-kit';
import { boundaryExtractor } from '@abd/proto';
import { initBackend } from '@abd/tensor';
import { JobManager } from './job-manager';
import { studentTrainerService } from './student-trainer.service';

async function main(): Promise<void> {
  await initBackend();
  const log = jsonLogger();
  const extractorAddress = process.env[ENV.EXTRACTOR_ADDRESS];
  const extractor = extractorAddress
    ? makeClient(boundaryExtractor.BoundaryExtractorClient, extractorAddress, { token: authTokenFromEnv(), tls: clientTlsFromEnv() })
    : undefined;
  const jobs = new JobManager({ store: storeFromEnv('.abd/store'), extractor, useCache: process.env.ABD_SIGN_CACHE === '1', log });
  const resumed = await jobs.recover();
  if (resumed.length) log.info('resuming jobs', { jobs: resumed });
  await startServer({
    port: portFromEnv('student-trainer'),
    host: process.env[ENV.HOST] || undefined,
    services: [studentTrainerService(jobs, log)],
    installSignalHandlers: true,
    log,
  });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
