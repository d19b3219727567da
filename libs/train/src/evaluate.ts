import * as tf from '@tensorflow/tfjs-core';
import { ChannelStats, ImageSet } from '@abd/data';
import { StudentModel } from '@abd/models';
import { imagesToTensor } from './batch-source';

export interface Evaluation {
  loss: number;
  correct: number;
  total: number;
  /** Error in % (the paper's unit). */
  errorPct: number;
  /** confusion[true][predicted]. */
  confusion: number[][];
}

/** Test loss (mean CE), accuracy and confusion matrix of a model in eval mode. */
export function evaluate(
  model: Pick<StudentModel, 'forward'>,
  set: ImageSet,
  stats: ChannelStats,
  batchSize = 500,
): Evaluation {
  const steps = evaluationSteps(model, set, stats, batchSize);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}

/**
 * The same as `evaluate` (bitwise: the same batches, the same sums), with the event loop free
 * between batches, so a server computing it still answers health checks and other calls.
 */
export async function evaluateYielding(
  model: Pick<StudentModel, 'forward'>,
  set: ImageSet,
  stats: ChannelStats,
  batchSize = 500,
): Promise<Evaluation> {
  const steps = evaluationSteps(model, set, stats, batchSize);
  let r = steps.next();
  while (!r.done) {
    await new Promise((resolve) => setImmediate(resolve));
    r = steps.next();
  }
  return r.value;
}

// One batch per step.
function* evaluationSteps(
  model: Pick<StudentModel, 'forward'>,
  set: ImageSet,
  stats: ChannelStats,
  batchSize: number,
): Generator<void, Evaluation> {
  const k = set.classes;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  let correct = 0;
  const per = set.height * set.width * set.channels;
  for (let s = 0; s < set.n; s += batchSize) {
    const n = Math.min(batchSize, set.n - s);
    const images = set.images.subarray(s * per, (s + n) * per);
    const labels = set.labels.subarray(s, s + n);
    const [pred, nll] = tf.tidy(() => {
      const x = imagesToTensor(images, n, set.height, set.width, set.channels, stats);
      const { logits } = model.forward(x, { training: false });
      const logp = tf.logSoftmax(logits);
      const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), k);
      return [
        tf.argMax(logits, 1).dataSync(),
        tf.neg(tf.sum(tf.mul(logp, y))).dataSync()[0],
      ] as const;
    });
    lossSum += nll;
    for (let i = 0; i < n; i++) {
      confusion[labels[i]][pred[i]]++;
      if (pred[i] === labels[i]) correct++;
    }
    if (s + n < set.n) yield;
  }
  const total = set.n;
  return {
    loss: lossSum / total,
    correct,
    total,
    errorPct: (100 * (total - correct)) / total,
    confusion,
  };
}
