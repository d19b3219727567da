import * as tf from '@tensorflow/tfjs-core';
import type { TrainBatch } from './batch-source';

/**
 * A batch's teacher feature maps at `points` (EpochRequest.features), as tensors in that order;
 * the caller disposes them. A batch without them is an error naming the stage.
 */
export function teacherFeatureTensors(
  batch: TrainBatch | undefined,
  points: readonly string[],
  label: string,
): tf.Tensor4D[] {
  const got = batch?.teacherFeatures ?? [];
  return points.map((p) => {
    const f = got.find((m) => m.name === p);
    if (!f)
      throw new Error(
        `${label}: the batch has no teacher features at '${p}' (has: ${got.map((m) => m.name).join(', ') || 'none'})`,
      );
    return tf.tensor4d(f.values, f.shape as [number, number, number, number]);
  });
}
