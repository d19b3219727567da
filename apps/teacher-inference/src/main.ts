// teacher-inference: loads teachers from the store, answers Infer streams. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { ENV, portFromEnv, startServer } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { teacherInferenceService } from './teacher-inference.service';

async function main(): Promise<void> {
  await initBackend();
  const store = storeFromEnv('.abd/store');
  const max = process.env[ENV.MAX_MESSAGE_BYTES] ? Number(process.env[ENV.MAX_MESSAGE_BYTES]) : undefined;
  await startServer({
    port: portFromEnv('teacher-inference'),
    host: process.env[ENV.HOST] || undefined,
    services: [teacherInferenceService({ store })],
    maxMessageBytes: max,
    installSignalHandlers: true,
  });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
