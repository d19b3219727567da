import * as tf from '@tensorflow/tfjs-core';
import { Student } from '@abd/models';
import { BatchSource, EpochRequest } from './batch-source';
import { SgdNesterov, SgdOptions } from './optimizer';
import { abOptimizerResetAt, ScheduleKind } from './schedule';
import { StageSpec } from './stage-loop';

/** The recipe every stage 1 (AB, FitNets, FSP initialisation) follows: cfg.ab's, for a like-for-like comparison. */
export interface InitStageRecipe {
  label: string;
  epochs: number;
  sgd: SgdOptions;
  /** 'constant' + optimizer reset at ⌈0.75·E₁⌉+1 is the paper's code; 'per-step' the reference default. */
  schedule: ScheduleKind;
  resetOptimizer: boolean;
  metadata?: Record<string, unknown>;
  /** What the stage asks the batch source for (the method's signals); default the stage's own need. */
  request?: EpochRequest;
}

/** The part of stage 1 the caller's loss adds to: the step, the accumulator and the metadata. */
type InitStageBase = Omit<StageSpec<never>, 'newAcc' | 'step' | 'endEpoch' | 'metadata'>;

/**
 * What every stage 1 shares: the student trains together with an adapter (AB connectors, a
 * FitNets regressor, FSP connectors) that is checkpointed with it and dropped afterwards, under
 * one SGD over both, the recipe's schedule and the paper code's optimizer reset. Returns the
 * trained variables (for the gradients) and the spec's common fields.
 */
export function initStageBase(
  o: InitStageRecipe,
  student: Student,
  adapter: { params: Map<string, tf.Variable>; stats: Map<string, tf.Variable> },
  source: BatchSource,
  request: EpochRequest,
): { vars: Map<string, tf.Variable>; base: InitStageBase } {
  const vars = new Map<string, tf.Variable>([...student.params, ...adapter.params]);
  const base: InitStageBase = {
    stage: 'ab-init',
    label: o.label,
    epochs: o.epochs,
    source,
    // The method's table says signs / logits; the stage itself knows which teacher features.
    request: o.request ? { ...o.request, features: request.features } : request,
    model: student,
    extraVars: adapter.params,
    extraState: adapter.stats,
    optimizer: () => new SgdNesterov(vars, o.sgd),
    resetOptimizerAt: o.resetOptimizer ? (e) => abOptimizerResetAt(e, o.epochs) : undefined,
    schedule: o.schedule,
    baseLr: o.sgd.lr,
  };
  return { vars, base };
}
