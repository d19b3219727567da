import { DEFAULT_MAX_IMAGES_PER_REQUEST } from '@abd/data';
import { InvalidArgumentError } from '@abd/grpc-kit';

/**
 * The batcher's settings, named after Triton's dynamic batcher (`max_batch_size`,
 * `max_queue_delay_microseconds`) and TF Serving's batching (`max_enqueued_batches`).
 */
export interface BatcherConfig {
  /** Merge calls from different callers (off: each call is computed alone, still queued and bounded). */
  enabled: boolean;
  /** Images per merged batch; larger requests are cut into pieces of this size. */
  maxBatchSize: number;
  /**
   * Images per forward pass of a batch with batch-norm in inference mode: a batch is computed in
   * passes of this many images with the event loop free between them (health checks, new
   * calls, cancels), and the outputs are the same (each image's depend on it alone).
   */
  passImages: number;
  /** How long the oldest queued call may wait for others to join its batch. */
  maxQueueDelayUs: number;
  /** The queue holds at most maxEnqueuedBatches × maxBatchSize images; past it, RESOURCE_EXHAUSTED. */
  maxEnqueuedBatches: number;
  /** Images in one Infer request; past it (or past the queue's size, if smaller), RESOURCE_EXHAUSTED naming the limit. */
  maxImagesPerRequest: number;
  /** Requests of one stream computed or queued at once; more wait unread (flow control pushes back). */
  streamWindow: number;
}

/**
 * Defaults: 128 images a batch (the paper's batch, so batch-norm train-mode calls fit), computed
 * in passes of 16 (one pass of a WRN-16-2 is well under a second, so health checks answer in
 * between), 2 ms of waiting, 64 batches (8192 images) of queue, 1024 images a request. Signs are
 * packed per pass, so a request holds its floats only when it asks for raw pre-activations
 * (docs/reliability.md, "Memory", has the measured RSS; the deploy's memory limit is set from it).
 */
export const DEFAULT_BATCHER: BatcherConfig = {
  enabled: true,
  maxBatchSize: 128,
  passImages: 16,
  maxQueueDelayUs: 2000,
  maxEnqueuedBatches: 64,
  maxImagesPerRequest: DEFAULT_MAX_IMAGES_PER_REQUEST,
  streamWindow: 8,
};

/** Environment variables of the settings (flags of main.ts have the same names, kebab-case). */
export const BATCHER_ENV: Record<keyof BatcherConfig, string> = {
  enabled: 'ABD_TEACHER_BATCHING',
  maxBatchSize: 'ABD_TEACHER_MAX_BATCH_SIZE',
  passImages: 'ABD_TEACHER_PASS_IMAGES',
  maxQueueDelayUs: 'ABD_TEACHER_MAX_QUEUE_DELAY_US',
  maxEnqueuedBatches: 'ABD_TEACHER_MAX_ENQUEUED_BATCHES',
  maxImagesPerRequest: 'ABD_TEACHER_MAX_IMAGES_PER_REQUEST',
  streamWindow: 'ABD_TEACHER_STREAM_WINDOW',
};

/** Checks a config's ranges; returns it. */
export function checkBatcherConfig(c: BatcherConfig): BatcherConfig {
  const int = (k: keyof BatcherConfig, min: number, max: number): void => {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new InvalidArgumentError(k, `must be an integer in ${min}..${max}, got ${v}`);
  };
  int('maxBatchSize', 1, 8192);
  int('passImages', 1, 8192);
  int('maxQueueDelayUs', 0, 10_000_000);
  int('maxEnqueuedBatches', 1, 1 << 20);
  int('maxImagesPerRequest', 1, 1 << 20);
  int('streamWindow', 1, 1024);
  return c;
}

/** The config from `get(name)` (env or flags), defaults for what is unset. */
export function batcherConfigFrom(
  get: (key: keyof BatcherConfig) => string | undefined,
  base: BatcherConfig = DEFAULT_BATCHER,
): BatcherConfig {
  const c = { ...base };
  for (const k of Object.keys(BATCHER_ENV) as (keyof BatcherConfig)[]) {
    const v = get(k);
    if (v === undefined || v === '') continue;
    if (k === 'enabled') {
      if (!/^(1|0|true|false|on|off)$/.test(v))
        throw new InvalidArgumentError(
          BATCHER_ENV[k],
          `must be 1/0, true/false or on/off, got '${v}'`,
        );
      c.enabled = /^(1|true|on)$/.test(v);
    } else c[k] = Number(v);
  }
  return checkBatcherConfig(c);
}
