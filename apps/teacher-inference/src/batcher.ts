import { CallAbortedError, ResourceExhaustedError } from '@abd/grpc-kit';
import { status } from '@grpc/grpc-js';
import type { TeacherForward } from './infer';
import type { BatchRequest, BatcherEvents, ForwardFn } from './batch-request';
import { concat, slice } from './forward-parts';
import type { BatcherConfig } from './batcher-config';

// A piece of one caller's request: requests over max_batch_size are cut into pieces.
interface Item {
  key: string;
  req: BatchRequest;
  offset: number;
  n: number;
  enqueued: number;
  job: Job;
}

interface Job {
  parts: (TeacherForward | undefined)[];
  left: number;
  done: boolean;
  start: number;
  resolve: (f: TeacherForward) => void;
  reject: (e: Error) => void;
  items: Item[];
}

let unique = 0;

/**
 * Dynamic batching in the manner of Triton's dynamic batcher: calls for the same teacher, taps
 * and outputs, with batch-norm in inference mode, are merged into one forward pass of at most
 * `maxBatchSize` images, waiting at most `maxQueueDelayUs` after the oldest queued call; the
 * result is split back per caller. In inference mode every image's outputs depend on that
 * image alone, so a merged call's answer is bitwise the unmerged one (tested). Batch-norm in
 * train mode uses the batch's statistics: such calls run alone and whole. The queue holds at
 * most `maxEnqueuedBatches × maxBatchSize` images (TF Serving's bound); past it a call is
 * refused at once with RESOURCE_EXHAUSTED. A call cancelled or past its deadline leaves the
 * queue and is never computed.
 */
export class DynamicBatcher {
  private readonly queue: Item[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(
    readonly config: BatcherConfig,
    private readonly forward: ForwardFn,
    private readonly events: BatcherEvents = {},
  ) {}

  get queuedImages(): number {
    return this.queued;
  }

  /** Queues `req`; resolves with its outputs, in its own image order. */
  submit(req: BatchRequest): Promise<TeacherForward> {
    const c = this.config;
    const limit = c.maxEnqueuedBatches * c.maxBatchSize;
    const most = Math.min(c.maxImagesPerRequest, limit);
    if (req.n > most) {
      const why =
        most === c.maxImagesPerRequest
          ? 'max_images_per_request'
          : 'max_enqueued_batches x max_batch_size';
      return Promise.reject(
        new ResourceExhaustedError(
          `images: ${req.n} images in one request, over this replica's limit of ${most} (${why}); send smaller batches`,
        ),
      );
    }
    if (req.bnTrain && req.n > c.maxBatchSize) {
      return Promise.reject(
        new ResourceExhaustedError(
          `images: ${req.n} images with batch-norm in train mode, which needs them in one pass; at most ${c.maxBatchSize} (max_batch_size)`,
        ),
      );
    }
    if (this.queued + req.n > limit) {
      return Promise.reject(
        new ResourceExhaustedError(
          `teacher queue full: ${this.queued} images queued, ${req.n} more would pass the limit of ${limit} (max_enqueued_batches ${c.maxEnqueuedBatches} x max_batch_size ${c.maxBatchSize}); retry later or add replicas`,
        ),
      );
    }
    if (req.signal?.aborted) return Promise.reject(req.signal.reason as Error);
    return new Promise<TeacherForward>((resolve, reject) => {
      const job: Job = {
        parts: [],
        left: 0,
        done: false,
        start: performance.now(),
        resolve,
        reject,
        items: [],
      };
      // Merge key: same model, outputs and taps; batch-norm train mode and batching off never merge.
      const key =
        req.bnTrain || !c.enabled
          ? `#${unique++}`
          : JSON.stringify([req.teacher.key, req.logits, req.raw, req.taps, req.features]);
      const step = req.bnTrain ? req.n : c.maxBatchSize;
      for (let offset = 0; offset < req.n; offset += step) {
        const item: Item = {
          key,
          req,
          offset,
          n: Math.min(step, req.n - offset),
          enqueued: performance.now(),
          job,
        };
        job.items.push(item);
        this.queue.push(item);
        this.queued += item.n;
      }
      job.left = job.items.length;
      job.parts = new Array(job.left);
      if (req.signal) {
        const abort = (): void =>
          this.finish(job, (req.signal!.reason as Error) ?? new CallAbortedError(status.CANCELLED));
        req.signal.addEventListener('abort', abort, { once: true });
        const settle = (): void => req.signal!.removeEventListener('abort', abort);
        job.resolve = (f) => (settle(), resolve(f));
        job.reject = (e) => (settle(), reject(e));
      }
      this.events.onQueue?.(this.queued);
      this.schedule();
    });
  }

  // Ends a job: its pieces still queued leave the queue (so they are never computed).
  private finish(job: Job, err?: Error): void {
    if (job.done) return;
    job.done = true;
    for (const it of job.items) {
      const i = this.queue.indexOf(it);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.queued -= it.n;
      }
    }
    this.events.onQueue?.(this.queued);
    const code = err
      ? ((err as { grpcCode?: status }).grpcCode ??
        (err.name === 'AbortError' ? status.CANCELLED : status.UNKNOWN))
      : status.OK;
    this.events.onDone?.((performance.now() - job.start) / 1000, code);
    if (err) job.reject(err);
    else job.resolve(concat(job.parts as TeacherForward[]));
  }

  // Runs the next batch now if the head's batch is full or has waited long enough, else when it will have.
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    const head = this.queue[0];
    const waited = (performance.now() - head.enqueued) * 1000;
    const delay = this.config.enabled ? this.config.maxQueueDelayUs : 0;
    if (waited >= delay || this.fill(head.key) >= this.config.maxBatchSize) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.scheduled = true;
      // setImmediate, not a loop: I/O (new calls, cancels, health checks) runs between batches
      // (and between the passes of one, see runBatch).
      setImmediate(() => {
        void this.runBatch().finally(() => {
          this.scheduled = false;
          this.schedule();
        });
      });
    } else if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.schedule();
        },
        Math.max(1, Math.ceil((delay - waited) / 1000)),
      );
    }
  }

  private fill(key: string): number {
    let n = 0;
    for (const it of this.queue) if (it.key === key) n += it.n;
    return n;
  }

  private async runBatch(): Promise<void> {
    if (this.queue.length === 0) return;
    const key = this.queue[0].key;
    const take: Item[] = [];
    let n = 0;
    for (const it of this.queue) {
      if (it.key !== key) continue;
      if (n + it.n > this.config.maxBatchSize && take.length > 0) break;
      take.push(it);
      n += it.n;
    }
    for (const it of take) this.queue.splice(this.queue.indexOf(it), 1);
    this.queued -= n;
    this.events.onQueue?.(this.queued);
    const r0 = take[0].req;
    const bytes = r0.teacher.inputShape.reduce((a, b) => a * b, 1);
    let images: Uint8Array;
    if (take.length === 1)
      images = r0.images.subarray(take[0].offset * bytes, (take[0].offset + n) * bytes);
    else {
      images = new Uint8Array(n * bytes);
      let at = 0;
      for (const it of take) {
        images.set(
          it.req.images.subarray(it.offset * bytes, (it.offset + it.n) * bytes),
          at * bytes,
        );
        at += it.n;
      }
    }
    const t0 = performance.now();
    let out: TeacherForward;
    try {
      const o = { bnTrain: r0.bnTrain, logits: r0.logits, raw: r0.raw, features: r0.features };
      // Train mode needs the whole batch in one pass; inference mode goes pass by pass.
      const step = r0.bnTrain ? n : this.config.passImages;
      const passes: TeacherForward[] = [];
      for (let at = 0; at < n; at += step) {
        if (at > 0) await new Promise((r) => setImmediate(r));
        const k = Math.min(step, n - at);
        passes.push(
          this.forward(r0.teacher, images.subarray(at * bytes, (at + k) * bytes), k, r0.taps, o),
        );
      }
      out = concat(passes);
    } catch (e) {
      for (const it of take) this.finish(it.job, e as Error);
      return;
    }
    this.events.onBatch?.(n, new Set(take.map((t) => t.job)).size, (performance.now() - t0) / 1000);
    let at = 0;
    for (const it of take) {
      const job = it.job;
      const part = slice(out, at, it.n, n);
      at += it.n;
      if (job.done) continue;
      job.parts[job.items.indexOf(it)] = part;
      if (--job.left === 0) this.finish(job);
    }
  }
}
