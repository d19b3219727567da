// evaluator: accuracy, confusion and per-tap similarity of stored models. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { ENV, portFromEnv, startServer } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { evaluatorService } from './evaluator.service';

async function main(): Promise<void> {
  await initBackend();
  await startServer({
    port: portFromEnv('evaluator'),
    host: process.env[ENV.HOST] || undefined,
    services: [evaluatorService({ store: storeFromEnv('.abd/store') })],
    installSignalHandlers: true,
  });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
