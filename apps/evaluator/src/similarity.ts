import * as tf from '@tensorflow/tfjs-core';
import type { ChannelStats, ImageSet } from '@abd/data';
import { activationAgreement } from '@abd/distill';
import type { ResNet, Wrn } from '@abd/models';
import type { evaluator } from '@abd/proto';
import { imagesToTensor } from '@abd/train';

/** Per tap with the same shape in student and teacher: share of neurons where ρ(S) == ρ(T), in %. */
export async function similarity(
  student: Wrn | ResNet,
  teacher: Wrn | ResNet,
  set: ImageSet,
  stats: ChannelStats,
  taps: string[],
  batch: number,
): Promise<evaluator.EvaluationReport['similarity']> {
  const sums = new Map<string, number>(taps.map((t) => [t, 0]));
  const per = set.height * set.width * set.channels;
  for (let s = 0; s < set.n; s += batch) {
    // The loop is free between batches (other requests in the same worker).
    if (s > 0) await new Promise((r) => setImmediate(r));
    const n = Math.min(batch, set.n - s);
    tf.tidy(() => {
      const x = imagesToTensor(
        set.images.subarray(s * per, (s + n) * per),
        n,
        set.height,
        set.width,
        set.channels,
        stats,
      );
      const a = student.forward(x, { training: false }).taps;
      const b = teacher.forward(x, { training: false }).taps;
      for (const t of taps) {
        const i = student.tapNames.indexOf(t);
        sums.set(t, sums.get(t)! + activationAgreement(a[i], b[i]).dataSync()[0] * n);
      }
    });
  }
  return taps.map((tap) => ({ tap, percent: (100 * sums.get(tap)!) / set.n }));
}
