// student-trainer: training jobs through the boundary-extractor. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { ENV, jsonLogger, portFromEnv, startServer } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { JobManager } from './job-manager';
import { childRunner } from './job-runner';
import { studentTrainerService } from './student-trainer.service';

async function main(): Promise<void> {
  await initBackend();
  const log = jsonLogger();
  // Each job's compute runs in a worker process that reads the same environment (job-worker.ts);
  // this process keeps the job states and answers the RPCs.
  const jobs = new JobManager({
    store: storeFromEnv('.abd/store'),
    runner: childRunner({ log }),
    log,
  });
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
