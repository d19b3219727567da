import * as tf from '@tensorflow/tfjs-core';

/** Tensor and backend-buffer counts around a repeated step. */
export interface LeakReport {
  label: string;
  /** Counts after the warm-up steps. */
  before: { tensors: number; dataIds: number };
  /** Counts after each measured step. */
  after: Array<{ tensors: number; dataIds: number }>;
}

/** Thrown by `expectFlatTensors` when a step leaves tensors or backend buffers behind. */
export class TensorLeakError extends Error {
  constructor(readonly report: LeakReport) {
    const a = report.after[report.after.length - 1];
    super(
      `${report.label}: memory not flat over ${report.after.length} steps: ` +
        `tensors ${report.before.tensors} → ${report.after.map((x) => x.tensors).join(', ')}; ` +
        `backend buffers ${report.before.dataIds} → ${report.after.map((x) => x.dataIds).join(', ')} ` +
        `(+${a.tensors - report.before.tensors} tensors, +${a.dataIds - report.before.dataIds} buffers)`,
    );
    this.name = 'TensorLeakError';
  }
}

function counts(): { tensors: number; dataIds: number } {
  // numDataIds also sees buffers a kernel made and forgot, which numTensors cannot.
  return { tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() };
}

/**
 * Runs `step` `warmup` times (optimizer slots and caches may be made then), then `steps`
 * times, and throws TensorLeakError unless the live tensor count and the backend's buffer
 * count are the same after every measured step as after the warm-up. `step` may be async;
 * whatever it returns is disposed if it is a tensor (or tensors).
 */
export async function expectFlatTensors(
  step: (i: number) => unknown,
  steps = 3,
  opts: { warmup?: number; label?: string } = {},
): Promise<LeakReport> {
  const warmup = opts.warmup ?? 1;
  let i = 0;
  const run = async () => {
    const out = await step(i++);
    disposeResult(out);
  };
  for (let w = 0; w < warmup; w++) await run();
  const report: LeakReport = { label: opts.label ?? 'step', before: counts(), after: [] };
  for (let s = 0; s < steps; s++) {
    await run();
    report.after.push(counts());
  }
  const flat = report.after.every(
    (c) => c.tensors === report.before.tensors && c.dataIds === report.before.dataIds,
  );
  if (!flat) throw new TensorLeakError(report);
  return report;
}

/** Net change of live tensors (and backend buffers) over one call of `fn`. */
export async function countTensorsOver(
  fn: () => unknown,
): Promise<{ tensors: number; dataIds: number }> {
  const b = counts();
  disposeResult(await fn());
  const a = counts();
  return { tensors: a.tensors - b.tensors, dataIds: a.dataIds - b.dataIds };
}

function disposeResult(out: unknown): void {
  if (out instanceof tf.Tensor) out.dispose();
  else if (Array.isArray(out) && out.every((t) => t instanceof tf.Tensor))
    tf.dispose(out as tf.Tensor[]);
}
