// boundary-extractor: the deterministic batch stream with teacher sign maps. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { authTokenFromEnv, clientTlsFromEnv, ENV, portFromEnv, startServer } from '@abd/grpc-kit';
import { boundaryExtractorService } from './boundary-extractor.service';
import { TeacherPool } from './teacher-pool';

async function main(): Promise<void> {
  const teachers = process.env[ENV.TEACHER_ADDRESSES];
  const max = process.env[ENV.MAX_MESSAGE_BYTES]
    ? Number(process.env[ENV.MAX_MESSAGE_BYTES])
    : undefined;
  const pool = teachers
    ? new TeacherPool(teachers, {
        window: process.env.ABD_EXTRACTOR_WINDOW
          ? Number(process.env.ABD_EXTRACTOR_WINDOW)
          : undefined,
        token: authTokenFromEnv(),
        tls: clientTlsFromEnv(),
        maxMessageBytes: max,
      })
    : undefined;
  await startServer({
    port: portFromEnv('boundary-extractor'),
    host: process.env[ENV.HOST] || undefined,
    services: [boundaryExtractorService({ pool, store: storeFromEnv('.abd/store') })],
    maxMessageBytes: max,
    installSignalHandlers: true,
  });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
