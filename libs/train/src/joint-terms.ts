import * as tf from '@tensorflow/tfjs-core';
import {
  AtParams,
  atLoss,
  inputGradient,
  jacobianClasses,
  jacobianDirection,
  jacobianFdTerm,
  jacobianLoss,
  JacobianParams,
} from '@abd/distill';
import { ForwardOptions, ForwardResult, Wrn } from '@abd/models';
import type { TrainBatch } from './batch-source';
import { teacherFeatureTensors } from './teacher-features';

/**
 * A feature term added to the classification loss at every step (the paper's "AT + KD",
 * "Jacobian + KD"): trainClassifier calls `prepare` outside its gradient tape (the teacher's
 * side, disposed by the caller after the step) and `loss` under it; the optimiser minimises
 * CE-or-KD + loss.
 */
export interface JointTerm {
  readonly name: string;
  /** Extra options of the student's forward pass for the logits loss (e.g. groupMaps). */
  readonly forward: Partial<Pick<ForwardOptions, 'groupMaps' | 'plainBn'>>;
  /** Teacher points (teacherPoints) whose maps the term reads from the batch (EpochRequest.features). */
  readonly teacherPoints?: readonly string[];
  prepare(
    x: tf.Tensor4D,
    labels: tf.Tensor1D,
    teacherLogits: tf.Tensor2D | null,
    /** The step's batch, with the teacher's maps at `teacherPoints`. */
    batch?: TrainBatch,
  ): tf.Tensor[];
  loss(x: tf.Tensor4D, out: ForwardResult, prepared: tf.Tensor[]): tf.Scalar;
}

/**
 * Attention transfer at the outputs of the groups in `taps` (the residual stream leaving each
 * group, as the AT code's WRN does): β/2 · Σ_j mean (Q_S − Q_T)². The teacher's maps come with
 * the batches (`groupK.out`, BN in the source's teacherBnMode), so the term needs no teacher.
 */
export function atTerm(p: AtParams): JointTerm {
  if (p.taps.some((t) => t > 3)) throw new Error(`at: taps are groups 1..3, got [${p.taps}]`);
  const outs = (r: ForwardResult) => p.taps.map((t) => r.groups![2 * (t - 1) + 1]);
  const points = p.taps.map((t) => `group${t}.out`);
  return {
    name: 'at',
    forward: { groupMaps: true },
    teacherPoints: points,
    prepare: (_x, _labels, _logits, batch) => teacherFeatureTensors(batch, points, 'at'),
    loss: (_x, out, prepared) => atLoss(outs(out), prepared as tf.Tensor4D[], p),
  };
}

/**
 * Jacobian matching of ∇ₓ of one logit per image (Srinivas & Fleuret 2018; @abd/distill
 * jacobian). Teacher gradients: BN with running statistics (a function of the image alone).
 * Student gradients: train-mode BN, as the logits loss sees it; 'second-order' differentiates
 * them under the tape (double backprop) through the plain-ops BN (Wrn plainBn), whose second
 * derivatives are exact; 'first-order' uses the finite-difference direction term instead.
 * Costs ≈ 3× a plain step (second-order). Unlike AT, this term runs the teacher itself, also
 * through the services: it needs the teacher's gradient w.r.t. the (augmented) input, which no
 * batch source carries.
 */
export function jacobianTerm(student: Wrn, teacher: Wrn, p: JacobianParams): JointTerm {
  const teacherF = (x: tf.Tensor4D) => teacher.forward(x, { training: false }).logits;
  const studentF = (x: tf.Tensor4D) =>
    student.forward(x, { training: true, updateStats: false, plainBn: true }).logits;
  return {
    name: 'jacobian',
    forward: {},
    prepare: (x, labels, teacherLogits) =>
      tf.tidy(() => {
        const tl = teacherLogits ?? teacherF(x);
        const classes = jacobianClasses(p.output, tl, labels);
        const gt = inputGradient(teacherF, x, classes);
        if (p.mode === 'second-order') return [classes, gt];
        const gs = inputGradient(studentF, x, classes);
        const { loss, direction } = jacobianDirection(gs, gt, p.lambda);
        return [classes, gt, loss, direction];
      }),
    loss: (x, _out, prepared) => {
      const [classes, gt, loss, direction] = prepared;
      if (p.mode === 'second-order') {
        return jacobianLoss(inputGradient(studentF, x, classes as tf.Tensor1D), gt, p.lambda);
      }
      return jacobianFdTerm(
        studentF,
        x,
        classes as tf.Tensor1D,
        { loss: loss as tf.Scalar, direction: direction as tf.Tensor4D },
        p.fdEps,
      );
    },
  };
}
