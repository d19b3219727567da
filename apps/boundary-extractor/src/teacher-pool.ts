import { status, type ServiceError } from '@grpc/grpc-js';
import { makeClient, Wakeup, type MakeClientOptions } from '@abd/grpc-kit';
import { common, teacherInference } from '@abd/proto';
import { retryable } from './retry-policy';

/** One batch to send to a teacher; `seq` orders the answers (0, 1, 2, ... per run). */
export interface TeacherJob {
  seq: number;
  images: common.ImageBatch;
  /** Caller's own position (e.g. the batch index in the epoch). */
  index: number;
}

export interface InferParams {
  teacher: common.ModelRef;
  taps: string[];
  logits: boolean;
  batchNormTrainMode: boolean;
  /** Feature points whose float maps to ask for (InferRequest.features); default none. */
  features?: string[];
  /** Ask for no sign maps (InferRequest.omit_sign_maps). */
  omitSignMaps?: boolean;
}

export interface PoolOptions extends MakeClientOptions {
  /** Batches in flight (sent, or answered but not yet taken) over all replicas; default 8. */
  window?: number;
  /** Streams per round-robin (dns:) target, so the balancer spreads them; default 2. */
  lanesPerBalancedTarget?: number;
  /** Sends of one batch before the run fails UNAVAILABLE; default 6. */
  maxAttempts?: number;
  /**
   * ...and at least this long since its first failure (default 30 s), so a replica restarting
   * (seconds) is ridden out even when the batch keeps landing on it while the others are busy.
   */
  minRetryMs?: number;
}

interface Target {
  name: string;
  client: teacherInference.TeacherInferenceClient;
  lanes: number;
  retryAt: number;
  backoffMs: number;
}

interface Lane {
  target: Target;
  call: ReturnType<teacherInference.TeacherInferenceClient['infer']>;
  outstanding: Sent[];
  dead: boolean;
  /** A reopened lane carries one batch until it has answered once. */
  probing: boolean;
}

/** A batch as sent: how often it failed, and since when. */
type Sent = TeacherJob & { attempts: number; firstFailedAt?: number };

/**
 * The teacher replicas: one channel per address given (or one round-robin channel per `dns:`
 * name, e.g. a headless Service), one bidi stream ("lane") per replica per run. `run` keeps a
 * bounded window of batches in flight over all live lanes, hands results back in order, and
 * resends a dead lane's batches on the others.
 */
export class TeacherPool {
  private readonly targets: Target[];
  private readonly window: number;
  private readonly maxAttempts: number;
  private readonly minRetryMs: number;
  /** Batches answered per target (address), for metrics and tests. */
  readonly served = new Map<string, number>();

  constructor(addresses: string | string[], o: PoolOptions = {}) {
    const list = (Array.isArray(addresses) ? addresses : addresses.split(','))
      .map((a) => a.trim())
      .filter(Boolean);
    if (list.length === 0) throw new Error('no teacher-inference address given');
    this.window = Math.max(1, o.window ?? 8);
    this.maxAttempts = o.maxAttempts ?? 6;
    this.minRetryMs = o.minRetryMs ?? 30_000;
    this.targets = list.map((name) => {
      const balanced = name.startsWith('dns:');
      const client = makeClient(teacherInference.TeacherInferenceClient, name, {
        ...o,
        roundRobin: balanced || o.roundRobin,
      });
      return {
        name,
        client,
        lanes: balanced ? (o.lanesPerBalancedTarget ?? 2) : 1,
        retryAt: 0,
        backoffMs: 250,
      };
    });
  }

  get addresses(): string[] {
    return this.targets.map((t) => t.name);
  }

  /** Teacher answers for `jobs` (seq 0, 1, 2, ... in order), yielded in order. */
  async *run(
    jobs: AsyncIterator<TeacherJob>,
    p: InferParams,
    signal?: AbortSignal,
  ): AsyncGenerator<{ job: TeacherJob; res: teacherInference.InferResponse }> {
    const lanes: Lane[] = [];
    const retry: Sent[] = [];
    const results = new Map<number, { job: TeacherJob; res: teacherInference.InferResponse }>();
    let pulled = 0;
    let exhausted = false;
    let nextYield = 0;
    let fatal: unknown;
    const wakeup = new Wakeup();
    const { notify } = wakeup;
    const onAbort = (): void => notify();
    signal?.addEventListener('abort', onAbort);

    const open = (target: Target, probing: boolean): Lane => {
      const call = target.client.infer();
      const lane: Lane = { target, call, outstanding: [], dead: false, probing };
      call.on('data', (res: teacherInference.InferResponse) => {
        const job = lane.outstanding.shift();
        if (!job || res.requestId !== job.seq) {
          fail(
            lane,
            Object.assign(
              new Error(
                `teacher ${target.name} answered request ${res.requestId}, expected ${job?.seq}`,
              ),
              { code: status.INTERNAL },
            ),
          );
          return;
        }
        lane.probing = false;
        target.backoffMs = 250;
        this.served.set(target.name, (this.served.get(target.name) ?? 0) + 1);
        results.set(job.seq, { job, res });
        notify();
      });
      call.on('error', (e: ServiceError) => fail(lane, e));
      call.on('end', () => {
        if (lane.outstanding.length > 0)
          fail(lane, Object.assign(new Error('stream ended early'), { code: status.UNAVAILABLE }));
      });
      lanes.push(lane);
      return lane;
    };
    const fail = (lane: Lane, e: ServiceError | (Error & { code: number })): void => {
      if (lane.dead) return;
      lane.dead = true;
      lanes.splice(lanes.indexOf(lane), 1);
      lane.target.retryAt = Date.now() + lane.target.backoffMs;
      lane.target.backoffMs = Math.min(5000, lane.target.backoffMs * 2);
      if (!retryable(e)) fatal ??= e;
      else {
        const now = Date.now();
        for (const j of lane.outstanding) {
          j.attempts++;
          j.firstFailedAt ??= now;
          if (j.attempts >= this.maxAttempts && now - j.firstFailedAt >= this.minRetryMs)
            fatal ??= Object.assign(
              new Error(
                `batch ${j.seq}: no teacher replica answered after ${j.attempts} attempts (last: ${e.message})`,
              ),
              { code: 'UNAVAILABLE' },
            );
        }
        retry.push(...lane.outstanding);
        retry.sort((a, b) => a.seq - b.seq);
      }
      lane.outstanding = [];
      try {
        lane.call.cancel();
      } catch {
        /* already over */
      }
      notify();
    };
    // Live lane with the fewest batches outstanding; (re)opens lanes of targets due a retry.
    let rr = 0;
    const pick = (): Lane | undefined => {
      const now = Date.now();
      for (const t of this.targets) {
        let have = lanes.filter((l) => l.target === t).length;
        while (have < t.lanes && now >= t.retryAt) {
          open(t, t.backoffMs > 250);
          have++;
        }
      }
      const ready = lanes.filter((l) => !l.probing || l.outstanding.length === 0);
      if (ready.length === 0) return undefined;
      rr = (rr + 1) % ready.length;
      let best = ready[rr];
      for (const l of ready) if (l.outstanding.length < best.outstanding.length) best = l;
      return best;
    };
    const send = (lane: Lane, job: Sent): void => {
      lane.outstanding.push(job);
      lane.call.write({
        teacher: p.teacher,
        requestId: job.seq,
        images: job.images,
        taps: p.taps,
        rawPreactivations: false,
        logits: p.logits,
        batchNormTrainMode: p.batchNormTrainMode,
        features: p.features ?? [],
        omitSignMaps: p.omitSignMaps ?? false,
      });
    };

    try {
      for (;;) {
        if (signal?.aborted) return;
        if (fatal) throw fatal;
        // Dispatch: retries first, then new batches while the window has room.
        for (;;) {
          const fresh = retry.length === 0;
          if (fresh && (exhausted || pulled - nextYield >= this.window)) break;
          const lane = pick();
          if (!lane) break;
          if (!fresh) send(lane, retry.shift()!);
          else {
            const n = await jobs.next();
            if (n.done) {
              exhausted = true;
              break;
            }
            if (n.value.seq !== pulled)
              throw new Error(`jobs out of order: got seq ${n.value.seq}, expected ${pulled}`);
            pulled++;
            send(lane, { ...n.value, attempts: 0 });
          }
        }
        const r = results.get(nextYield);
        if (r) {
          results.delete(nextYield);
          nextYield++;
          yield r;
          continue;
        }
        if (exhausted && nextYield === pulled) return;
        // Wait for an answer, a failure, or the next time a dead replica may be retried.
        const next = Math.min(...this.targets.map((t) => t.retryAt)) - Date.now();
        const woken = wakeup.wait();
        if (lanes.length === 0 || retry.length > 0)
          setTimeout(notify, Math.max(10, Math.min(next, 1000))).unref();
        await woken;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      void jobs.return?.();
      for (const l of [...lanes]) {
        l.dead = true;
        l.call.removeAllListeners('data');
        l.call.on('error', () => {});
        l.call.cancel();
      }
    }
  }

  close(): void {
    for (const t of this.targets) t.client.close();
  }
}
