import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelStats, ImageSet, normalize } from '@abd/data';
import { ForeignTeacher, loadForeignTeacher, TeacherFormatError } from '@abd/models';
import { Evaluation } from './evaluate';
import { RunConfig } from './run-config';

/** A user's teacher loaded for a run, with the NHWC shapes of its taps (batch dimension 1). */
export interface LoadedForeignTeacher {
  teacher: ForeignTeacher;
  tapShapes: number[][];
}

/**
 * Loads `teacher.path` (relative to the current directory, like `dataset.path`) with its taps and checks it against the data with
 * one probe image before any training: one logit per class, and every tap a 4-D map (NHWC; an
 * ONNX model's NCHW values are transposed by the loader), else an error naming the tap.
 */
export async function loadRunForeignTeacher(
  cfg: RunConfig,
  set: ImageSet,
  stats: ChannelStats,
): Promise<LoadedForeignTeacher> {
  const t = cfg.teacher;
  const path = resolve(t.path!);
  const teacher = await loadForeignTeacher(path, {
    taps: t.taps!,
    layout: t.layout,
    logits: t.logits,
  });
  try {
    const { height: h, width: w, channels: c } = set;
    const probe = normalize(set.images.subarray(0, h * w * c), 1, h, w, c, stats);
    const out = await teacher.run(probe, [1, h, w, c]).catch((e: Error) => {
      throw new TeacherFormatError(
        `teacher ${t.path}: running it on one ${h}×${w}×${c} image failed (${e.message})`,
      );
    });
    const k = out.logits.shape[out.logits.shape.length - 1];
    if (out.logits.shape.length !== 2 || k !== set.classes) {
      throw new TeacherFormatError(
        `teacher ${t.path}: its output has shape [${out.logits.shape}], the data has ${set.classes} classes (expected [n, ${set.classes}] logits)`,
      );
    }
    const tapShapes = teacher.taps.map((name) => {
      const s = out.taps[name].shape;
      if (s.length !== 4)
        throw new TeacherFormatError(
          `teacher ${t.path}: tap '${name}' has shape [${s}]; the AB loss needs a 4-D map (a conv / batch-norm / add output, not a flattened or pooled one)`,
        );
      return s.slice();
    });
    return { teacher, tapShapes };
  } catch (e) {
    teacher.dispose();
    throw e;
  }
}

/** Test loss, error and confusion of a foreign teacher (eval), like `evaluate` for ours. */
export async function evaluateForeignTeacher(
  teacher: ForeignTeacher,
  set: ImageSet,
  stats: ChannelStats,
  batchSize = 250,
): Promise<Evaluation> {
  const k = set.classes;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const per = set.height * set.width * set.channels;
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < set.n; s += batchSize) {
    const n = Math.min(batchSize, set.n - s);
    const x = normalize(
      set.images.subarray(s * per, (s + n) * per),
      n,
      set.height,
      set.width,
      set.channels,
      stats,
    );
    const { logits } = await teacher.run(x, [n, set.height, set.width, set.channels]);
    const labels = set.labels.subarray(s, s + n);
    const [pred, nll] = tf.tidy(() => {
      const z = tf.tensor2d(logits.values, [n, k]);
      const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), k);
      return [
        tf.argMax(z, 1).dataSync(),
        tf.neg(tf.sum(tf.mul(tf.logSoftmax(z), y))).dataSync()[0],
      ] as const;
    });
    lossSum += nll;
    for (let i = 0; i < n; i++) {
      confusion[labels[i]][pred[i]]++;
      if (pred[i] === labels[i]) correct++;
    }
  }
  return {
    loss: lossSum / set.n,
    correct,
    total: set.n,
    errorPct: (100 * (set.n - correct)) / set.n,
    confusion,
  };
}
