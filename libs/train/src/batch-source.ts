import * as tf from '@tensorflow/tfjs-core';
import { batchIndices, ChannelStats, epochOrder, ImageSet, makeBatch, normalize } from '@abd/data';
import { localOutputKeys } from './local-output-key';
import { TeacherModel, teacherBatchOutputs } from './teacher-model';
import { TeacherOutputCache, TeacherOutputEntry } from './teacher-output-cache';
import type { FeatureMap } from './teacher-signals';

/** One batch as the student sees it: images, labels and, when asked, the teacher's outputs. */
export interface TrainBatch {
  epoch: number;
  /** 0-based batch number within the epoch. */
  index: number;
  n: number;
  /** uint8 NHWC. */
  images: Uint8Array;
  labels: Int32Array;
  /**
   * Per tap: ρ of the teacher's pre-activation packed 1 bit per neuron (packSigns' layout, NHWC;
   * shapes in signShapes). What the batch sources attach for `EpochRequest.signs`; the AB stage
   * unpacks it on the device (signMapTensor).
   */
  signBits?: Uint8Array[];
  /** Per tap: 1 where the teacher's pre-activation > 0, else 0 (NHWC); read when signBits is absent. */
  signs?: Float32Array[];
  signShapes?: number[][];
  /** Teacher logits [n, classes], row-major. */
  teacherLogits?: Float32Array;
  /** The teacher's float maps at `EpochRequest.features`, in that order (BN as the sign maps'). */
  teacherFeatures?: FeatureMap[];
}

export interface EpochRequest {
  signs: boolean;
  logits: boolean;
  /**
   * Teacher points (`teacherPoints`: taps, group maps) whose float maps to attach as
   * TrainBatch.teacherFeatures, with the teacher's BN in the source's `teacherBnMode`.
   */
  features?: readonly string[];
  /** Resume inside an epoch: skip the batches before this one. */
  startBatch?: number;
}

/** Where batches come from: in-process (this file) or a boundary-extractor stream. */
export interface BatchSource {
  readonly stepsPerEpoch: number;
  readonly size: number;
  readonly stats: ChannelStats;
  readonly shape: { height: number; width: number; channels: number };
  epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch>;
}

export type ImageShape = { height: number; width: number; channels: number };

/**
 * The fields every batch source has, from its size and batch size: the in-process one and the
 * boundary-extractor stream make the same batches, so they count them the same way.
 */
export abstract class SizedBatchSource implements BatchSource {
  readonly stepsPerEpoch: number;

  constructor(
    readonly size: number,
    batchSize: number,
    readonly stats: ChannelStats,
    readonly shape: ImageShape,
  ) {
    this.stepsPerEpoch = Math.ceil(size / batchSize);
  }

  abstract epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch>;
}

export interface AugmentSpec {
  pad: number;
  flip: boolean;
}

/** What fixes a run's batches and the teacher's BN, wherever they are made (in-process or streamed). */
export interface BatchRecipe {
  stats: ChannelStats;
  batchSize: number;
  seed: number;
  augment: AugmentSpec | null;
  /** 'eval': running statistics (a sign map is a function of the image); 'train': batch statistics (paper code). */
  teacherBnMode?: 'eval' | 'train';
}

export interface LocalSourceOptions extends BatchRecipe {
  set: ImageSet;
  /** Dataset indices the student trains on (a stratified subset or all). */
  indices: Int32Array;
  /** Our WRN, or a foreign teacher (ONNX, tfjs; eval mode only: its BN cannot be switched). */
  teacher?: TeacherModel;
  /**
   * Keep the teacher's sign maps (packed, 1 bit per neuron) of epochs below this one when they are
   * computed anyway, so a later AB stage over those epochs needs no teacher forward (eval mode only).
   */
  keepSignsBelowEpoch?: number;
  /** Where teacher outputs are kept and shared (a sweep passes one to all its runs); default one for this source. */
  outputCache?: TeacherOutputCache;
  /** The teacher's identity in the cache key; default the hash of its weights (`teacherIdentity`). */
  teacherId?: string;
}

/** Normalised float input for a uint8 NHWC batch. */
export function imagesToTensor(
  images: Uint8Array,
  n: number,
  h: number,
  w: number,
  c: number,
  stats: ChannelStats,
): tf.Tensor4D {
  return tf.tensor4d(normalize(images, n, h, w, c, stats), [n, h, w, c]);
}

/** The in-process batch source: reads the dataset, augments, runs the teacher. */
export class LocalBatchSource extends SizedBatchSource {
  // Teacher outputs are the same for every student that sees an (epoch, batch): logits (tiny)
  // always, sign maps when computed; keyed by everything that determines them (teacher-output-cache).
  private readonly cache: TeacherOutputCache;
  private readonly keyOf: ReturnType<typeof localOutputKeys>;

  constructor(private readonly o: LocalSourceOptions) {
    super(o.indices.length, o.batchSize, o.stats, {
      height: o.set.height,
      width: o.set.width,
      channels: o.set.channels,
    });
    this.cache = o.outputCache ?? new TeacherOutputCache();
    this.keyOf = localOutputKeys(o);
  }

  /** Dataset indices of each batch of an epoch, in order. */
  batchesOf(epoch: number): Int32Array[] {
    const order = epochOrder(this.size, this.o.seed, epoch);
    const mapped = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) mapped[i] = this.o.indices[order[i]];
    return batchIndices(mapped, this.o.batchSize);
  }

  async *epoch(epoch: number, req: EpochRequest): AsyncIterable<TrainBatch> {
    const { set, teacher } = this.o;
    const wantsTeacher = req.signs || req.logits || (req.features?.length ?? 0) > 0;
    if (wantsTeacher && !teacher) throw new Error('this batch source has no teacher');
    const all = this.batchesOf(epoch);
    for (let b = req.startBatch ?? 0; b < all.length; b++) {
      const aug = this.o.augment ? { seed: this.o.seed, epoch, ...this.o.augment } : undefined;
      const batch = makeBatch(set, all[b], { augment: aug });
      const out: TrainBatch = {
        epoch,
        index: b,
        n: batch.n,
        images: batch.images,
        labels: batch.labels,
      };
      if (teacher && wantsTeacher) await this.attachTeacher(out, epoch, b, batch.images, req);
      yield out;
    }
  }

  private async attachTeacher(
    out: TrainBatch,
    epoch: number,
    b: number,
    images: Uint8Array,
    req: EpochRequest,
  ): Promise<void> {
    const { set, stats, teacher } = this.o;
    const shape = [out.n, set.height, set.width, set.channels] as const;
    const bnMode = this.o.teacherBnMode ?? 'eval';
    const features = req.features ?? [];
    // The teacher's BN mode option is the distillation stage's (the paper code runs it in train
    // mode there), for sign maps and feature maps; logits for KD always come from eval mode.
    const mode = req.signs ? bnMode : 'eval';
    // Feature maps ride along this forward pass when its BN mode is theirs.
    const shared = features.length > 0 && mode === bnMode ? features : [];
    const key = this.keyOf(epoch, b, mode);
    const hit = this.cache.get(key, { signs: req.signs, logits: req.logits });
    if (hit) {
      out.teacherLogits = req.logits ? hit.logits : undefined;
      if (req.signs) {
        out.signBits = hit.signs;
        out.signShapes = hit.signShapes;
      }
    } else {
      const keepSigns =
        mode === 'eval' && bnMode === 'eval' && epoch < (this.o.keepSignsBelowEpoch ?? 0);
      const want = { signs: req.signs || keepSigns, logits: true, features: shared };
      const t = await teacherBatchOutputs(teacher!, images, shape, stats, mode, want);
      if (req.signs) {
        out.signBits = t.signBits;
        out.signShapes = t.signShapes;
      }
      if (req.logits) out.teacherLogits = t.logits;
      if (shared.length > 0) out.teacherFeatures = t.features;
      const entry: TeacherOutputEntry = { logits: t.logits };
      if (t.signBits) {
        entry.signs = t.signBits;
        entry.signShapes = t.signShapes;
      }
      this.cache.put(key, entry, out.n);
    }
    if (features.length > 0 && !out.teacherFeatures) {
      const want = { signs: false, logits: false, features };
      out.teacherFeatures = (
        await teacherBatchOutputs(teacher!, images, shape, stats, bnMode, want)
      ).features;
    }
  }
}
