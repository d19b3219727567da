import type { ArtifactStore } from '@abd/artifacts';
import {
  bidi,
  DEFAULT_MAX_MESSAGE_BYTES,
  InvalidArgumentError,
  ResourceExhaustedError,
  unary,
  validateName,
  type Logger,
  type ServiceRegistration,
} from '@abd/grpc-kit';
import { teacherInference } from '@abd/proto';
import type { BatcherEvents } from './batch-request';
import { DynamicBatcher } from './batcher';
import { checkBatcherConfig, DEFAULT_BATCHER, type BatcherConfig } from './batcher-config';
import { checkInfer, inferResponse, teacherForward } from './infer';
import { describeForeign, foreignSubmit } from './serve-foreign';
import { isForeignServed, TeacherModels, type LoadedTeacher } from './teacher-models';
import type { TeacherMetrics } from './teacher-metrics';

export interface TeacherInferenceOptions {
  store: ArtifactStore;
  log?: Logger;
  /** Counts answered requests (tests and metrics). */
  onBatch?: (n: number) => void;
  /** Dynamic batching and the replica's limits (defaults: DEFAULT_BATCHER). */
  batcher?: Partial<BatcherConfig>;
  /** Where the batcher's figures go (queue depth, batch sizes, latency). */
  metrics?: TeacherMetrics;
  /** Called per forward pass with its images and the calls merged into it (tests). */
  onForward?: (images: number, calls: number) => void;
  /** The server's message limit (default DEFAULT_MAX_MESSAGE_BYTES): a raw-pre-activation answer must fit. */
  maxMessageBytes?: number;
}

type Req = teacherInference.InferRequest;
type Res = teacherInference.InferResponse;

/** The teacher as a stateless service (docs/design.md §5 (Services and their contracts)): image batches in, sign bits and logits out. */
export function teacherInferenceService(
  o: TeacherInferenceOptions,
): ServiceRegistration & { models: TeacherModels; batcher: DynamicBatcher } {
  const models = new TeacherModels(o.store);
  const opts = { log: o.log };
  const m = o.metrics?.events() ?? {};
  const events: BatcherEvents = {
    onQueue: m.onQueue,
    onDone: m.onDone,
    onBatch: (n, calls, s) => {
      m.onBatch?.(n, calls, s);
      o.onForward?.(n, calls);
    },
  };
  const config = checkBatcherConfig({ ...DEFAULT_BATCHER, ...o.batcher });
  const batcher = new DynamicBatcher(config, teacherForward, events);
  const implementation: teacherInference.TeacherInferenceServer = {
    infer: bidi<Req, Res>(async function* (requests, ctx) {
      // Up to streamWindow requests of this stream are in the batcher at once; answers leave in order.
      const local = new AbortController();
      const signal = AbortSignal.any([ctx.signal, local.signal]);
      const it = requests[Symbol.asyncIterator]();
      const pending: Promise<Res>[] = [];
      let read: Promise<IteratorResult<Req>> | undefined;
      let ended = false;
      let id: string | undefined;
      let epoch = 0;
      const submit = async (req: Req, model: string, ep: number): Promise<Res> => {
        const t = await models.serve(model, ep);
        const { n, taps, features } = checkInfer(req, t);
        if (req.rawPreactivations || features.length > 0)
          checkFloatsFit(t, n, req.rawPreactivations ? taps : [], features, o.maxMessageBytes);
        // A user's model runs one request per pass, outside the batcher (its compute is async).
        if (isForeignServed(t)) return foreignSubmit(t, req, n, taps, signal, events);
        const f = await batcher.submit({
          teacher: t,
          images: req.images!.data,
          n,
          taps,
          bnTrain: req.batchNormTrainMode,
          logits: req.logits,
          raw: req.rawPreactivations,
          features,
          signal,
        });
        if (features.length > 0) o.metrics?.countFeatures(n);
        return inferResponse(req, f);
      };
      const take = (r: IteratorResult<Req>): void => {
        read = undefined;
        if (r.done) {
          ended = true;
          return;
        }
        const req = r.value;
        const named = req.teacher?.id;
        if (id === undefined) {
          if (!named)
            throw new InvalidArgumentError(
              'teacher.id',
              'is required on the first message of a stream',
            );
          id = validateName('teacher.id', named);
          epoch = req.teacher?.epoch ?? 0;
        } else if (named && (named !== id || (req.teacher?.epoch ?? 0) !== epoch)) {
          throw new InvalidArgumentError(
            'teacher',
            `a stream serves one model ('${id}'), this message names '${validateName('teacher.id', named)}'`,
          );
        }
        const p = submit(req, id, epoch);
        p.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
        pending.push(p);
      };
      try {
        for (;;) {
          if (signal.aborted) return;
          if (!ended && !read && pending.length < config.streamWindow) read = it.next();
          if (pending.length === 0) {
            if (ended) return;
            take(await read!);
            continue;
          }
          const head = pending[0];
          if (read) {
            const r = read;
            const first = await Promise.race([
              head.then(
                () => 0,
                () => 0,
              ),
              r.then(() => 1),
            ]);
            if (first === 1) {
              take(await r);
              continue;
            }
          }
          pending.shift();
          const res = await head;
          o.onBatch?.(
            res.signMaps[0]?.shape[0] ??
              res.features[0]?.tensor?.shape[0] ??
              res.logits?.shape[0] ??
              0,
          );
          yield res;
        }
      } finally {
        local.abort();
      }
    }, opts),
    describe: unary<teacherInference.DescribeRequest, teacherInference.ModelDescription>(
      async (req) => {
        const id = validateName('model.id', req.model?.id);
        const t = await models.serve(id, req.model?.epoch ?? 0, 'model.id');
        if (isForeignServed(t)) return describeForeign(t, req.model?.epoch ?? 0);
        const cfg = t.model.config;
        return {
          model: { id, epoch: req.model?.epoch ?? 0 },
          arch: {
            family: 'wrn',
            depth: cfg.depth,
            widen: cfg.widen,
            numClasses: cfg.numClasses,
            init: '',
          },
          dataset: { name: t.dataset },
          inputShape: [...t.inputShape],
          taps: [...t.tapShapes].map(([name, shape]) => ({ name, shape: [...shape] })),
          featurePoints: [...t.featureShapes].map(([name, shape]) => ({ name, shape: [...shape] })),
          classes: t.classes,
          testErrorPercent: t.testErrorPct ?? 0,
          testErrorKnown: t.testErrorPct !== undefined,
          parameters: t.model.parameterCount(),
        };
      },
      opts,
    ),
  };
  return { definition: teacherInference.TeacherInferenceService, implementation, models, batcher };
}

/**
 * Raw pre-activations (32x the bytes of the signs) and feature maps are held until the answer
 * is sent: an answer that could not be sent (over the message limit) is refused before any
 * work, which also bounds what such a request holds in memory.
 */
function checkFloatsFit(
  t: Pick<LoadedTeacher, 'tapShapes' | 'featureShapes'>,
  n: number,
  raw: readonly string[],
  features: readonly string[],
  max = DEFAULT_MAX_MESSAGE_BYTES,
): void {
  const bytes = (shape: readonly number[]) => 4 * shape.reduce((x, y) => x * y, 1);
  const perImage =
    raw.reduce((a, tap) => a + bytes(t.tapShapes.get(tap)!), 0) +
    features.reduce((a, f) => a + bytes(t.featureShapes.get(f)!), 0);
  if (n * perImage > max) {
    const what = features.length > 0 ? 'raw_preactivations / features' : 'raw_preactivations';
    throw new ResourceExhaustedError(
      `${what}: ${n} images x ${perImage} bytes of float maps = ${n * perImage} bytes, over the message limit of ${max}; send at most ${Math.floor(max / perImage)} images per request with float maps`,
    );
  }
}
