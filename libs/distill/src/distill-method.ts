import * as tf from '@tensorflow/tfjs-core';

/**
 * Where a method runs: 'init' = a pre-training stage on hidden taps (AB, FitNets hints, FSP)
 * before the classification stage; 'logits' = a loss on the output logits used in the
 * classification stage (KD); 'joint' = a feature term added, each step of the classification
 * stage, to the CE or KD loss (AT, Jacobian matching: the paper's "X + KD").
 */
export type StageKind = 'init' | 'logits' | 'joint';

/**
 * What the teacher must send per batch: 'signs' = one bit per neuron of each tap (packed sign
 * maps), 'features' = raw tap values, 'logits' = the output logits only, 'input-gradients' =
 * ∇ₓ of one logit per image (Jacobian matching; same shape as the images).
 */
export type TeacherSignal = 'signs' | 'features' | 'logits' | 'input-gradients';

interface DistillMethodBase<P> {
  readonly name: string;
  readonly kind: StageKind;
  readonly teacherSignal: TeacherSignal;
  /** One line for `abd methods`. */
  readonly description: string;
  /** A fresh copy of the defaults (the paper's code unless noted). */
  defaultParams(): P;
  /**
   * Checks a partial parameter object (from a config file) and returns it completed with the
   * defaults. Throws MethodParamsError naming the key on an unknown key or a bad value.
   */
  validate(params?: unknown): P;
}

/** A method with its own stage on hidden taps, e.g. AB initialization. */
export interface InitMethod<P = unknown> extends DistillMethodBase<P> {
  readonly kind: 'init';
  /**
   * The stage loss. `student`: per tap, the connector outputs r(S) (NHWC; FitNets: the
   * regressor output; FSP: the start and end maps of each group); `teacher`: per tap, what
   * `teacherSignal` says (0/1 sign maps for 'signs', raw tap values for 'features').
   */
  loss(student: tf.Tensor4D[], teacher: tf.Tensor[], params: P): tf.Scalar;
}

/** A loss on logits used in the classification stage, e.g. KD. */
export interface LogitsMethod<P = unknown> extends DistillMethodBase<P> {
  readonly kind: 'logits';
  loss(
    studentLogits: tf.Tensor2D,
    teacherLogits: tf.Tensor2D,
    labels: tf.Tensor1D | undefined,
    params: P,
  ): tf.Scalar;
}

/**
 * A feature term added to the classification loss at every step (AT, Jacobian matching): the
 * training code computes CE or KD on the logits, plus `loss(...)`.
 */
export interface JointMethod<P = unknown> extends DistillMethodBase<P> {
  readonly kind: 'joint';
  /**
   * The feature term. `student`/`teacher`: per tap, what the method's JSDoc says (AT: the tap
   * activations, NHWC; Jacobian: ∇ₓ of the selected logit, NHWC like the images).
   */
  loss(student: tf.Tensor[], teacher: tf.Tensor[], params: P): tf.Scalar;
}

// `any` default: the registry holds methods of different parameter types; callers narrow by
// name (getMethod('ab') as InitMethod<AbParams>) or by `kind`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DistillMethod<P = any> = InitMethod<P> | LogitsMethod<P> | JointMethod<P>;
