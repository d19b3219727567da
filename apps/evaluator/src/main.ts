// evaluator: accuracy, confusion and per-tap similarity of stored models, and (with
// $ABD_UI_PORT) the web view of the same store. Config from env (ports.ts).
import { storeFromEnv } from '@abd/artifacts';
import { installSignalHandlers, jsonLogger } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { startEvaluator } from './start-evaluator';

async function main(): Promise<void> {
  await initBackend();
  const log = jsonLogger();
  const evaluator = await startEvaluator(storeFromEnv('.abd/store'), process.env, log);
  installSignalHandlers(evaluator, { log });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
