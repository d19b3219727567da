import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatcherEvents } from './batch-request';

/** Where GET /metrics is served (the Prometheus exporters' customary port); 'off' = not at all. */
export { DEFAULT_METRICS_PORT, METRICS_PORT_ENV } from '@abd/grpc-kit';

/** A histogram in `registry` (the metric definitions below differ in these fields only). */
function histogram(
  registry: Registry,
  name: string,
  help: string,
  buckets: number[],
  labelNames: string[] = [],
): Histogram {
  return new Histogram({ name, help, buckets, labelNames, registers: [registry] });
}

/**
 * The replica's metrics in Prometheus text format (what an autoscaler reads through an
 * adapter). Names:
 * - abd_teacher_queue_images: images waiting in the batcher's queue (gauge)
 * - abd_teacher_batch_images: images per forward pass (histogram)
 * - abd_teacher_batch_requests: calls merged per forward pass (histogram)
 * - abd_teacher_batch_seconds: time of one forward pass (histogram)
 * - abd_teacher_request_seconds{code}: an Infer request from queueing to its answer, by status (histogram)
 * - abd_teacher_images_total: images computed (counter)
 * - abd_teacher_feature_images_total: images answered with float feature maps (counter; the
 *   FitNets / FSP / AT teachers' maps)
 * plus prom-client's process metrics (process_resident_memory_bytes, ...).
 */
export class TeacherMetrics {
  readonly registry = new Registry();
  private readonly queue = new Gauge({
    name: 'abd_teacher_queue_images',
    help: 'Images queued in the dynamic batcher',
    registers: [this.registry],
  });
  private readonly batchImages = histogram(
    this.registry,
    'abd_teacher_batch_images',
    'Images per forward pass',
    [1, 8, 16, 32, 64, 128, 256, 512],
  );
  private readonly batchRequests = histogram(
    this.registry,
    'abd_teacher_batch_requests',
    'Calls merged into one forward pass',
    [1, 2, 4, 8, 16, 32],
  );
  private readonly batchSeconds = histogram(
    this.registry,
    'abd_teacher_batch_seconds',
    'Seconds per forward pass',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  private readonly requestSeconds = histogram(
    this.registry,
    'abd_teacher_request_seconds',
    'Seconds from queueing an Infer request to its answer',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['code'],
  );
  private readonly images = new Counter({
    name: 'abd_teacher_images_total',
    help: 'Images computed',
    registers: [this.registry],
  });

  private readonly featureImages = new Counter({
    name: 'abd_teacher_feature_images_total',
    help: 'Images answered with float feature maps',
    registers: [this.registry],
  });

  constructor(processMetrics = false) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Hooks for the batcher. */
  events(): BatcherEvents {
    return {
      onQueue: (n) => this.queue.set(n),
      onBatch: (n, calls, s) => {
        this.batchImages.observe(n);
        this.batchRequests.observe(calls);
        this.batchSeconds.observe(s);
        this.images.inc(n);
      },
      onDone: (s, code) => this.requestSeconds.observe({ code: status[code] ?? String(code) }, s),
    };
  }

  /** An answered request of `n` images with feature maps. */
  countFeatures(n: number): void {
    this.featureImages.inc(n);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Serves GET /metrics on `port` (0 = any free port). */
  async serve(port: number, host?: string): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.text().then(
        (t) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(t),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return { server, port: (server.address() as AddressInfo).port };
  }
}
