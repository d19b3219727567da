import * as tf from '@tensorflow/tfjs-core';
import { abTotalLoss, activationAgreement, SignMapShape, signMapTensor } from '@abd/distill';
import { Connectors, matchTapSize, Student } from '@abd/models';
import { BatchSource, imagesToTensor } from './batch-source';
import { namedGrads } from './classify-stage';
import { initStageBase, InitStageRecipe } from './init-stage';
import { runStage, StageIo } from './stage-loop';

export interface AbOptions extends InitStageRecipe {
  mu: number;
  /** Weight per tap; the published total is (L₃ + L₂/2 + L₁/4)/1000·3. */
  weights: number[];
  /**
   * The student taps (0-based, in order) paired with the teacher's sign maps, one each; all of
   * them when absent. See `tapPairing` for the rule when the counts differ.
   */
  studentTaps?: number[];
}

interface Acc {
  loss: number;
  agree: number[];
  steps: number;
}

/**
 * Stage 1, initialization by activation boundaries: the student and its connectors learn the
 * teacher's on/off pattern with the margin loss only. The connectors are dropped afterwards.
 */
export async function trainAbInit(
  student: Student,
  connectors: Connectors,
  source: BatchSource,
  o: AbOptions,
  io: StageIo = {},
) {
  const { vars, base } = initStageBase(o, student, connectors, source, {
    signs: true,
    logits: false,
  });
  const { height: h, width: w, channels: c } = source.shape;
  const picked = o.studentTaps;
  const taps = picked ? picked.length : student.tapNames.length;
  return runStage<Acc>(
    {
      ...base,
      newAcc: () => ({ loss: 0, agree: new Array<number>(taps).fill(0), steps: 0 }),
      step: (batch, opt, acc) => {
        const shapes = batch.signShapes;
        if (!(batch.signBits || batch.signs) || !shapes)
          throw new Error(`${o.label}: the AB stage needs teacher sign maps`);
        const x = imagesToTensor(batch.images, batch.n, h, w, c, source.stats);
        // Packed bits go to the device as bytes and are unpacked there (the same 0/1 values).
        const on = batch.signBits
          ? batch.signBits.map((bits, i) =>
              signMapTensor(bits, shapes[i] as unknown as SignMapShape),
            )
          : batch.signs!.map((s, i) => tf.tensor(s, shapes[i]));
        let agreement: tf.Tensor[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const out = student.forward(x, { training: true });
          // A teacher map of another height × width: the connector output is resized to it (matchTapSize).
          const rs = connectors
            .apply(picked ? picked.map((t) => out.taps[t]) : out.taps, true)
            .map((r, i) => matchTapSize(r, on[i].shape));
          agreement = rs.map((r, i) => tf.keep(activationAgreement(r, on[i])));
          return abTotalLoss(rs, on, { mu: o.mu, weights: o.weights });
        }, [...vars.values()]);
        opt.step(namedGrads(vars, grads));
        const loss = value.dataSync()[0];
        agreement.forEach((a, i) => (acc.agree[i] += a.dataSync()[0]));
        tf.dispose([value, x, ...on, ...agreement, ...Object.values(grads)]);
        acc.loss += loss;
        acc.steps++;
        return loss;
      },
      endEpoch: (_epoch, acc) => ({
        ab: {
          loss: acc.loss / Math.max(1, acc.steps),
          similarity: acc.agree.map((a) => a / Math.max(1, acc.steps)),
        },
      }),
      metadata: { ...(o.metadata ?? {}), mu: o.mu, weights: o.weights, schedule: o.schedule },
    },
    io,
  );
}
