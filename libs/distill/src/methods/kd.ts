import { LogitsMethod } from '../distill-method';
import { kdLoss } from '../kd-loss';
import { booleanParam, numberParam, ParamSchema, validateParams } from '../param-checks';

export type KdParams = {
  /** Softmax temperature T (3 in the paper). */
  temperature: number;
  /** Multiply the KL term by T²; the paper's code does not (false). */
  t2Factor: boolean;
  /** Weight of the hard-label CE: (1−α)·KD + α·CE; the paper's code uses KD alone (0). */
  alpha: number;
};

const schema: ParamSchema<KdParams> = {
  temperature: numberParam({ min: 0, exclusiveMin: true }),
  t2Factor: booleanParam(),
  alpha: numberParam({ min: 0, max: 1 }),
};

const defaults = (): KdParams => ({ temperature: 3, t2Factor: false, alpha: 0 });

/** Knowledge distillation (Hinton et al. 2015) as in the AB paper's code. */
export const kdMethod: LogitsMethod<KdParams> = {
  name: 'kd',
  kind: 'logits',
  teacherSignal: 'logits',
  description:
    'knowledge distillation: KL(softmax(t/T) ‖ softmax(s/T)) / batch (Hinton et al. 2015)',
  defaultParams: defaults,
  validate: (input) => validateParams('kd', schema, defaults(), input),
  loss: (studentLogits, teacherLogits, labels, params) =>
    kdLoss(studentLogits, teacherLogits, { ...params, labels }),
};
