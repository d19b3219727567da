import type { SubsetSelection } from '@abd/data';
import { unpackSigns, type SignMapShape } from '@abd/distill';
import { boundaryExtractor, common } from '@abd/proto';
import { SizedBatchSource } from '@abd/train';
import type {
  DatasetConfig,
  RunConfig,
  BatchRecipe,
  BatchSourceArgs,
  EpochRequest,
  ImageShape,
  TrainBatch,
} from '@abd/train';
import { subsetToWire } from './subset-wire';

export interface RemoteSourceOptions extends BatchRecipe {
  /** A boundary-extractor client (grpc-kit makeClient). */
  client: boundaryExtractor.BoundaryExtractorClient;
  /** Teacher in the store (`models/<id>`) whose sign maps/logits to attach. */
  teacher?: { id: string; epoch?: number };
  dataset: string;
  /** A dataset given by format + path (a run config's `dataset` without its subset); absent = the built-in `dataset`. */
  datasetConfig?: Omit<DatasetConfig, 'subset'>;
  subset?: SubsetSelection;
  /** Examples per epoch (the subset's size) and input shape: known to the caller. */
  size: number;
  shape: ImageShape;
  useCache?: boolean;
}

/** Float32 values of little-endian bytes (copied: the bytes may sit at any offset). */
function floats(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length >> 2);
  new Uint8Array(out.buffer).set(data.subarray(0, out.length * 4));
  return out;
}

/**
 * A BatchSource reading a boundary-extractor stream: the same batches as LocalBatchSource
 * (order, augmentation), with the teacher's packed sign bits unpacked to the 0/1 Float32Arrays
 * the stages expect. Leaving an epoch early cancels the stream (and the work behind it).
 */
export class RemoteBatchSource extends SizedBatchSource {
  /** Bytes of packed sign maps received (for benchmarks). */
  signBytes = 0;
  images = 0;

  constructor(private readonly o: RemoteSourceOptions) {
    super(o.size, o.batchSize, o.stats, o.shape);
  }

  request(epoch: number, req: EpochRequest): boundaryExtractor.StreamRequest {
    const o = this.o;
    const teacher = req.signs || req.logits;
    if (teacher && !o.teacher) throw new Error('this batch source has no teacher');
    return {
      teacher: teacher ? { id: o.teacher!.id, epoch: o.teacher!.epoch ?? 0 } : undefined,
      dataset: {
        name: o.dataset,
        own: o.datasetConfig
          ? { $case: 'configJson', configJson: JSON.stringify(o.datasetConfig) }
          : undefined,
      },
      split: common.Split.SPLIT_TRAIN,
      subset: subsetToWire(o.subset),
      epoch,
      seed: o.seed,
      batchSize: o.batchSize,
      augmentation: o.augment ? { pad: o.augment.pad, flip: o.augment.flip } : undefined,
      taps: [],
      useCache: (o.useCache ?? false) && !(req.signs && o.teacherBnMode === 'train'),
      shuffle: true,
      teacherLogits: req.logits,
      // The BN mode option is the AB stage's; KD's logits come from the teacher in eval mode.
      batchNormTrainMode: req.signs && o.teacherBnMode === 'train',
      startBatch: req.startBatch ?? 0,
    };
  }

  async *epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch> {
    const call = this.o.client.stream(this.request(epoch, req));
    let expect = req.startBatch ?? 0;
    let finished = false;
    try {
      for await (const b of call as AsyncIterable<boundaryExtractor.Batch>) {
        if (b.index !== expect || b.total !== this.stepsPerEpoch) {
          throw new Error(
            `boundary-extractor sent batch ${b.index}/${b.total}, expected ${expect}/${this.stepsPerEpoch}`,
          );
        }
        expect++;
        const img = b.images!;
        const n = img.shape[0];
        const out: TrainBatch = {
          epoch,
          index: b.index,
          n,
          images: img.data,
          labels: Int32Array.from(img.labels),
        };
        this.images += n;
        if (req.signs) {
          out.signs = b.signMaps.map((m) =>
            unpackSigns(m.bits, m.shape as unknown as SignMapShape),
          );
          out.signShapes = b.signMaps.map((m) => [...m.shape]);
          for (const m of b.signMaps) this.signBytes += m.bits.length;
        }
        if (req.logits) {
          if (!b.teacherLogits)
            throw new Error(`boundary-extractor sent batch ${b.index} without teacher logits`);
          out.teacherLogits = floats(b.teacherLogits.data);
        }
        yield out;
      }
      finished = true;
      if (expect !== this.stepsPerEpoch)
        throw new Error(
          `boundary-extractor ended epoch ${epoch} after ${expect} of ${this.stepsPerEpoch} batches`,
        );
    } finally {
      if (!finished) call.cancel();
    }
  }
}

/**
 * A RunContext.batchSource for runPipeline: the students' batches from a boundary-extractor.
 * The teacher must be in the store as `models/<id>` (cfg.teacher.checkpoint = 'models/<id>');
 * `publishTeacher` may put a run-trained teacher there and return its id, `publishForeignTeacher`
 * a teacher file (teacher.format). A dataset by format + path travels as DatasetRef.config_json.
 */
export function remoteSourceFactory(
  client: boundaryExtractor.BoundaryExtractorClient,
  o: {
    useCache?: boolean;
    publishTeacher?: (teacherKey: string) => Promise<string>;
    /** Puts a run's own teacher (teacher.format) into the store (publishForeignTeacher) and returns its id. */
    publishForeignTeacher?: (
      cfg: RunConfig,
      options: BatchSourceArgs['options'],
    ) => Promise<string>;
  } = {},
): (args: BatchSourceArgs) => Promise<RemoteBatchSource> {
  return async ({ cfg, options, teacherKey }) => {
    let id: string | undefined;
    if (cfg.teacher.format) {
      if (!o.publishForeignTeacher)
        throw new Error(
          `the distributed path serves a ${cfg.teacher.format} teacher from the store; no publishForeignTeacher was given`,
        );
      id = await o.publishForeignTeacher(cfg, options);
    } else {
      const m = /^models\/([^/]+)$/.exec(teacherKey);
      id = m ? m[1] : o.publishTeacher ? await o.publishTeacher(teacherKey) : undefined;
    }
    if (!id)
      throw new Error(
        `the distributed path needs the teacher in the store as models/<id>, got '${teacherKey}'`,
      );
    // A dataset by format + path is read by the boundary-extractor with the same loader; the subset travels apart.
    const { subset: _subset, ...own } = cfg.dataset;
    return new RemoteBatchSource({
      client,
      teacher: { id },
      dataset: cfg.dataset.name,
      datasetConfig: cfg.dataset.format ? own : undefined,
      subset: cfg.dataset.subset,
      seed: options.seed,
      batchSize: options.batchSize,
      augment: options.augment,
      teacherBnMode: options.teacherBnMode,
      size: options.indices.length,
      stats: options.stats,
      shape: {
        height: options.set.height,
        width: options.set.width,
        channels: options.set.channels,
      },
      useCache: o.useCache,
    });
  };
}
