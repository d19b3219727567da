import type { TrainBatch } from '@abd/train';

/**
 * Two streams of the same batches (e.g. one per teacher BN mode) as one: `join` merges each
 * pair. The streams must agree batch by batch; leaving early (or a failure) closes both, which
 * cancels the calls behind them.
 */
export async function* zipBatches(
  a: AsyncIterable<TrainBatch>,
  b: AsyncIterable<TrainBatch>,
  join: (x: TrainBatch, y: TrainBatch) => TrainBatch,
): AsyncGenerator<TrainBatch> {
  const ia = a[Symbol.asyncIterator]();
  const ib = b[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const [x, y] = await Promise.all([ia.next(), ib.next()]);
      if (x.done || y.done) {
        done = !!x.done && !!y.done;
        if (!done) throw new Error('two streams of one epoch ended apart');
        return;
      }
      if (x.value.index !== y.value.index)
        throw new Error(
          `two streams of one epoch sent batches ${x.value.index} and ${y.value.index}`,
        );
      yield join(x.value, y.value);
    }
  } finally {
    if (!done) await Promise.allSettled([ia.return?.(), ib.return?.()]);
  }
}
