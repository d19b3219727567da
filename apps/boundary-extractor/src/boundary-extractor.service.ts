import type { ArtifactStore } from '@abd/artifacts';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  serverStream,
  type Logger,
  type ServiceRegistration,
} from '@abd/grpc-kit';
import { boundaryExtractor, teacherInference } from '@abd/proto';
import { DatasetCache, planBatches, planImages } from './batch-plan';
import { cachePrefix, CheckpointHashes } from './cache-key';
import { TeacherPool, type TeacherJob } from './teacher-pool';

export interface BoundaryExtractorOptions {
  /** Replicas of teacher-inference; absent = only teacher-less streams are served. */
  pool?: TeacherPool;
  /** Sign-map cache (use_cache); absent = caching off. */
  store?: ArtifactStore;
  /** Dataset directory (default: the data registry's search, env ABD_DATA_DIR). */
  dataDir?: string;
  log?: Logger;
}

const batchKey = (prefix: string, index: number) =>
  `${prefix}/batch-${String(index).padStart(6, '0')}.pb`;

/**
 * The deterministic batch stream (docs/design.md §5 (Services and their contracts)): the batches the student sees, with the teacher's
 * sign maps, logits and feature maps from a bounded window of requests over every teacher replica.
 */
export function boundaryExtractorService(o: BoundaryExtractorOptions = {}): ServiceRegistration {
  const data = new DatasetCache(o.dataDir);
  const hashes = o.store ? new CheckpointHashes(o.store) : null;
  const implementation: boundaryExtractor.BoundaryExtractorServer = {
    stream: serverStream<boundaryExtractor.StreamRequest, boundaryExtractor.Batch>(
      async function* (req, ctx) {
        const plan = await planBatches(req, data);
        const total = plan.batches.length;
        if (req.startBatch > total)
          throw new InvalidArgumentError(
            'start_batch',
            `${req.startBatch} is past the epoch's ${total} batches`,
          );
        if (!req.teacher) {
          for await (const b of planImages(plan))
            yield {
              index: b.index,
              total,
              images: b.images,
              signMaps: [],
              teacherLogits: undefined,
              fromCache: false,
              teacherFeatures: [],
            };
          return;
        }
        const cache =
          req.useCache && !req.batchNormTrainMode && hashes
            ? await cachePrefix(plan, hashes)
            : null;
        if (cache && (await o.store!.exists(`${cache}/complete.json`))) {
          for await (const b of planImages(plan)) {
            const res = teacherInference.InferResponse.decode(
              await o.store!.get(batchKey(cache, b.index)),
            );
            yield {
              index: b.index,
              total,
              images: b.images,
              signMaps: res.signMaps,
              teacherLogits: res.logits,
              fromCache: true,
              teacherFeatures: res.features,
            };
          }
          return;
        }
        if (!o.pool)
          throw new FailedPreconditionError(
            'this extractor has no teacher-inference addresses (set ABD_TEACHER_ADDRESSES)',
          );
        let seq = 0;
        const jobs = (async function* (): AsyncGenerator<TeacherJob> {
          for await (const b of planImages(plan))
            yield { seq: seq++, index: b.index, images: b.images };
        })();
        const params = {
          teacher: req.teacher,
          taps: req.taps,
          logits: req.teacherLogits,
          batchNormTrainMode: req.batchNormTrainMode,
          features: req.teacherFeatures,
          omitSignMaps: req.omitSignMaps,
        };
        let written = 0;
        for await (const { job, res } of o.pool.run(jobs, params, ctx.signal)) {
          if (cache) {
            await o.store!.put(
              batchKey(cache, job.index),
              teacherInference.InferResponse.encode({ ...res, requestId: 0 }).finish(),
            );
            written++;
          }
          yield {
            index: job.index,
            total,
            images: job.images,
            signMaps: res.signMaps,
            teacherLogits: req.teacherLogits ? res.logits : undefined,
            fromCache: false,
            teacherFeatures: res.features,
          };
        }
        // Marked complete only when the whole epoch is in the cache, so a reader never sees a hole.
        if (cache && req.startBatch === 0 && written === total && !ctx.signal.aborted)
          await o.store!.putJson(`${cache}/complete.json`, { batches: total });
      },
      { log: o.log },
    ),
  };
  return { definition: boundaryExtractor.BoundaryExtractorService, implementation };
}
