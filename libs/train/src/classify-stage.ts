import * as tf from '@tensorflow/tfjs-core';
import { ImageSet } from '@abd/data';
import { crossEntropy, kdLoss } from '@abd/distill';
import { Student } from '@abd/models';
import { BatchSource, EpochRequest, imagesToTensor } from './batch-source';
import { classifyLossName } from './curve-test';
import { evaluate, Evaluation } from './evaluate';
import { ClassifyEpochMetrics, StageName } from './events';
import type { JointTerm } from './joint-terms';
import { SgdNesterov, SgdOptions } from './optimizer';
import { runStage, StageIo } from './stage-loop';
import { ScheduleKind } from './schedule';

export interface KdOptions {
  temperature: number;
  /** Multiply the KD term by T² (Hinton); the paper's code does not. */
  t2Factor: boolean;
  /** Weight of CE mixed in: (1−α)·KD + α·CE; the paper's code uses 0. */
  alpha: number;
}

export interface ClassifyOptions {
  stage?: StageName;
  label: string;
  epochs: number;
  /** Start counting data epochs here (AB+KD's classification sees epochs E₁…E₁+E₂−1). */
  dataEpochOffset?: number;
  sgd: SgdOptions;
  schedule: ScheduleKind;
  kd?: KdOptions;
  /**
   * Evaluate on `set` every `every` epochs and after the last; on `curve` (a small fixed subset,
   * curveTestSet) after every epoch. Evaluation runs in eval mode and draws no random numbers,
   * so it changes nothing of the training.
   */
  test?: { set: ImageSet; every: number; curve?: ImageSet };
  metadata?: Record<string, unknown>;
  /** A feature term added to the loss at every step (AT, Jacobian matching); none by default. */
  joint?: JointTerm;
  /** What the stage asks the batch source for (the method's signals); default logits for KD. */
  request?: EpochRequest;
}

interface Acc {
  loss: number;
  correct: number;
  total: number;
  steps: number;
}

/** Classification training: CE, or KD from the teacher's logits carried by the batches. */
export async function trainClassifier(
  model: Student,
  source: BatchSource,
  o: ClassifyOptions,
  io: StageIo = {},
) {
  const vars = model.params;
  const { height: h, width: w, channels: c } = source.shape;
  const offset = o.dataEpochOffset ?? 0;
  const shifted: BatchSource = {
    stepsPerEpoch: source.stepsPerEpoch,
    size: source.size,
    stats: source.stats,
    shape: source.shape,
    epoch: (e, req) => source.epoch(e + offset, req),
  };
  // The last epoch's test evaluation, handed back so the caller need not evaluate again.
  let lastEval: Evaluation | undefined;
  const lossName = classifyLossName(o.kd, o.joint?.name);
  const r = await runStage<Acc>(
    {
      stage: o.stage ?? 'classify',
      label: o.label,
      epochs: o.epochs,
      source: shifted,
      request: {
        ...(o.request ?? { signs: false, logits: !!o.kd }),
        features: o.joint?.teacherPoints,
      },
      model,
      optimizer: () => new SgdNesterov(vars, o.sgd),
      schedule: o.schedule,
      baseLr: o.sgd.lr,
      newAcc: () => ({ loss: 0, correct: 0, total: 0, steps: 0 }),
      step: (batch, opt, acc) => {
        const labels = tf.tensor1d(batch.labels, 'int32');
        const x = imagesToTensor(batch.images, batch.n, h, w, c, source.stats);
        const teacher =
          o.kd && batch.teacherLogits
            ? tf.tensor2d(batch.teacherLogits, [batch.n, batch.teacherLogits.length / batch.n])
            : null;
        if (o.kd && !teacher)
          throw new Error(`${o.label}: KD needs teacher logits but the batch has none`);
        let logits: tf.Tensor2D | null = null;
        const prepared = o.joint ? o.joint.prepare(x, labels, teacher, batch) : [];
        const { value, grads } = tf.variableGrads(() => {
          const out = model.forward(x, { training: true, ...(o.joint?.forward ?? {}) });
          logits = tf.keep(out.logits);
          const base =
            o.kd && teacher
              ? kdLoss(out.logits, teacher, {
                  ...o.kd,
                  labels: o.kd.alpha > 0 ? labels : undefined,
                })
              : crossEntropy(out.logits, labels);
          return o.joint ? (tf.add(base, o.joint.loss(x, out, prepared)) as tf.Scalar) : base;
        }, [...vars.values()]);
        tf.dispose(prepared);
        opt.step(namedGrads(vars, grads));
        const loss = value.dataSync()[0];
        const pred = tf.tidy(() => tf.argMax(logits!, 1).dataSync());
        let correct = 0;
        for (let i = 0; i < batch.n; i++) if (pred[i] === batch.labels[i]) correct++;
        tf.dispose([
          value,
          labels,
          x,
          logits!,
          ...(teacher ? [teacher] : []),
          ...Object.values(grads),
        ]);
        acc.loss += loss;
        acc.correct += correct;
        acc.total += batch.n;
        acc.steps++;
        return loss;
      },
      endEpoch: (epoch, acc) => {
        const classify: ClassifyEpochMetrics = {
          loss: acc.loss / Math.max(1, acc.steps),
          lossName,
          correct: acc.correct,
          total: acc.total,
        };
        let testSeconds: number | undefined;
        const t0 = performance.now();
        let full: Evaluation | undefined;
        if (o.test && ((epoch + 1) % o.test.every === 0 || epoch + 1 === o.epochs)) {
          io.onEvent?.({
            type: 'phase',
            phase: 'test',
            label: o.label,
            text: `testing on ${o.test.set.n} images`,
          });
          full = evaluate(model, o.test.set, source.stats);
          if (epoch + 1 === o.epochs) lastEval = full;
          classify.test = { loss: full.loss, correct: full.correct, total: full.total };
        }
        if (o.test?.curve) {
          // When the subset is the whole test set (small sets), the full pass already measured it.
          const ev =
            full && o.test.curve === o.test.set
              ? full
              : evaluate(model, o.test.curve, source.stats);
          classify.curve = { loss: ev.loss, correct: ev.correct, total: ev.total };
        }
        if (full || o.test?.curve) testSeconds = (performance.now() - t0) / 1000;
        return { classify, testSeconds };
      },
      metadata: {
        ...(o.metadata ?? {}),
        kd: o.kd ?? null,
        schedule: o.schedule,
        sgd: o.sgd,
        ...(o.joint ? { joint: o.joint.name } : {}),
      },
    },
    io,
  );
  return { ...r, lastEval };
}

/** Gradients from tf.variableGrads (keyed by variable name) back to our parameter names. */
export function namedGrads(
  vars: Map<string, tf.Variable>,
  grads: tf.NamedTensorMap,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, v] of vars) {
    const g = grads[v.name];
    if (g) out.set(k, g);
  }
  return out;
}
