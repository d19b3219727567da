import type { SubsetSelection } from '@abd/data';
import { boundaryExtractor, common } from '@abd/proto';
import { SizedBatchSource } from '@abd/train';
import type {
  FeatureMap,
  DatasetConfig,
  RunConfig,
  BatchRecipe,
  BatchSourceArgs,
  EpochRequest,
  ImageShape,
  TrainBatch,
} from '@abd/train';
import { floatsOf } from './float-tensor';
import { subsetToWire } from './subset-wire';
import { zipBatches } from './zip-batches';

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

/**
 * A BatchSource reading a boundary-extractor stream: the same batches as LocalBatchSource
 * (order, augmentation), with the teacher's packed sign bits as they arrive (the AB stage
 * unpacks them on the device). Leaving an epoch early cancels the stream (and the work behind it).
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
    const features = [...(req.features ?? [])];
    const maps = req.signs || features.length > 0;
    const teacher = maps || req.logits;
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
      useCache: (o.useCache ?? false) && !(maps && o.teacherBnMode === 'train'),
      shuffle: true,
      teacherLogits: req.logits,
      // The BN mode option is the distillation stage's (sign and feature maps); KD's logits come
      // from the teacher in eval mode (`epoch` asks for them apart when they would differ).
      batchNormTrainMode: maps && o.teacherBnMode === 'train',
      startBatch: req.startBatch ?? 0,
      teacherFeatures: features,
      omitSignMaps: !req.signs,
    };
  }

  epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch> {
    // As LocalBatchSource: feature maps with train-mode BN, logits in eval mode — two forward
    // passes, so two streams of the same batches, joined.
    if (this.o.teacherBnMode === 'train' && req.logits && !req.signs && req.features?.length)
      return zipBatches(
        this.stream(epoch, { ...req, logits: false }),
        this.stream(epoch, { signs: false, logits: true, startBatch: req.startBatch }),
        (maps, logits) => ({ ...maps, teacherLogits: logits.teacherLogits }),
      );
    return this.stream(epoch, req);
  }

  private async *stream(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch> {
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
          out.signBits = b.signMaps.map((m) => m.bits);
          out.signShapes = b.signMaps.map((m) => [...m.shape]);
          for (const m of b.signMaps) this.signBytes += m.bits.length;
        }
        if (req.logits) {
          if (!b.teacherLogits)
            throw new Error(`boundary-extractor sent batch ${b.index} without teacher logits`);
          out.teacherLogits = floatsOf(b.teacherLogits.data);
        }
        if (req.features?.length) out.teacherFeatures = featuresOf(b, req.features);
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

/** A batch's feature maps, checked against the points asked for. */
function featuresOf(b: boundaryExtractor.Batch, want: readonly string[]): FeatureMap[] {
  const got = b.teacherFeatures.map((f) => f.name);
  if (got.join('\0') !== want.join('\0'))
    throw new Error(
      `boundary-extractor sent batch ${b.index} with teacher features [${got}], asked for [${want}]`,
    );
  return b.teacherFeatures.map((f) => ({
    name: f.name,
    shape: [...f.tensor!.shape],
    values: floatsOf(f.tensor!.data),
  }));
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
