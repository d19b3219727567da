import { resolve } from 'node:path';
import type { ArtifactStore } from '@abd/artifacts';
import {
  authTokenFromEnv,
  ENV,
  jsonLogger,
  portFromEnv,
  serverTlsFromEnv,
  startServer,
  uiPortFromEnv,
  type Logger,
  type RunningServer,
} from '@abd/grpc-kit';
import { startUiServer, type UiServer } from '@abd/ui';
import { evaluatorService } from './evaluator.service';
import { workerEvaluation } from './worker-evaluation';

export interface Evaluator {
  grpc: RunningServer;
  /** The web view, when $ABD_UI_PORT is set. */
  ui?: UiServer;
  /** Stops the web view, then the gRPC server (graceful, up to graceMs), then the evaluation worker. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * The evaluator as `main` runs it, from its environment (ports.ts): gRPC on $ABD_PORT and, with
 * $ABD_UI_PORT set, the read-only web view of the same store on that port, on the same host and
 * behind the same bearer token ($ABD_AUTH_TOKEN(_FILE)). Separate from main.ts so tests can
 * start it on 127.0.0.1:0.
 */
export async function startEvaluator(
  store: ArtifactStore,
  env: NodeJS.ProcessEnv = process.env,
  log: Logger = jsonLogger(),
): Promise<Evaluator> {
  const host = env[ENV.HOST] || undefined;
  const token = authTokenFromEnv(env);
  const uiPort = uiPortFromEnv(env);
  // The compute in a worker process of its own, on the same store.
  const runner = workerEvaluation({ storeUrl: store.url, env, log });
  const grpc = await startServer({
    port: portFromEnv('evaluator', env),
    host,
    services: [evaluatorService({ runner, log })],
    auth: token ? { token } : null,
    tls: serverTlsFromEnv(env) ?? null,
    log,
  });
  let ui: UiServer | undefined;
  if (uiPort !== undefined) {
    try {
      ui = await startUiServer({
        store,
        // Relative teacher checkpoints of run configs resolve against the checkout (/app in the image).
        repoRoot: resolve(__dirname, '..', '..', '..'),
        host: host ?? '0.0.0.0',
        port: uiPort,
        token,
        log: (line) => log.error(line),
      });
    } catch (e) {
      await grpc.shutdown(0);
      await runner.close();
      throw e;
    }
    log.info('web view listening', { url: ui.url, auth: !!token });
  }
  return {
    grpc,
    ui,
    shutdown: async (graceMs) => {
      await ui?.close();
      await grpc.shutdown(graceMs);
      await runner.close();
    },
  };
}
