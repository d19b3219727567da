// teacher-inference: loads teachers from the store, answers Infer streams. Config from env
// (ports.ts, batcher-config.ts) and flags: `--max-batch-size 128 --max-queue-delay-us 2000
// --max-enqueued-batches 64 --max-images-per-request 8192 --stream-window 8 --batching on
// --metrics-port 9464` (a flag overrides its env variable; see BATCHER_ENV).
import { parseArgs } from 'node:util';
import { storeFromEnv } from '@abd/artifacts';
import { ENV, jsonLogger, portFromEnv, startServer } from '@abd/grpc-kit';
import { initBackend } from '@abd/tensor';
import { BATCHER_ENV, batcherConfigFrom, type BatcherConfig } from './batcher-config';
import { DEFAULT_METRICS_PORT, METRICS_PORT_ENV, TeacherMetrics } from './teacher-metrics';
import { teacherInferenceService } from './teacher-inference.service';

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function main(): Promise<void> {
  const keys = Object.keys(BATCHER_ENV) as (keyof BatcherConfig)[];
  const { values: parsed } = parseArgs({
    options: Object.fromEntries([
      ...keys.map((k) => [kebab(k === 'enabled' ? 'batching' : k), { type: 'string' as const }]),
      ['metrics-port', { type: 'string' as const }],
    ]),
    strict: true,
  });
  const values = parsed as Record<string, string | undefined>;
  const flag = (k: keyof BatcherConfig): string | undefined =>
    values[kebab(k === 'enabled' ? 'batching' : k)];
  const batcher = batcherConfigFrom((k) => flag(k) ?? process.env[BATCHER_ENV[k]]);
  await initBackend();
  const store = storeFromEnv('.abd/store');
  const max = process.env[ENV.MAX_MESSAGE_BYTES]
    ? Number(process.env[ENV.MAX_MESSAGE_BYTES])
    : undefined;
  const metrics = new TeacherMetrics(true);
  const metricsPort =
    values['metrics-port'] ?? process.env[METRICS_PORT_ENV] ?? String(DEFAULT_METRICS_PORT);
  if (metricsPort !== 'off') {
    const p = Number(metricsPort);
    if (!Number.isInteger(p) || p < 0 || p > 65535)
      throw new Error(
        `${METRICS_PORT_ENV} / --metrics-port: a port or 'off', got '${metricsPort}'`,
      );
    const host = process.env[ENV.HOST] || undefined;
    // Logged like the gRPC port: with port 0 the bound one is known only here.
    const bound = await metrics.serve(p, host);
    jsonLogger().info('metrics listening', { address: `${host ?? '0.0.0.0'}:${bound.port}` });
  }
  await startServer({
    port: portFromEnv('teacher-inference'),
    host: process.env[ENV.HOST] || undefined,
    services: [teacherInferenceService({ store, batcher, metrics, maxMessageBytes: max })],
    maxMessageBytes: max,
    installSignalHandlers: true,
  });
}

main().catch((e: Error) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
