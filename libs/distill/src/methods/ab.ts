import { abTotalLoss, defaultTapWeights } from '../ab-loss';
import { InitMethod } from '../distill-method';
import { MethodParamsError } from '../errors';
import { arrayParam, enumParam, numberParam, ParamSchema, validateParams } from '../param-checks';

export type AbParams = {
  /** Margin μ of the AB loss (1 in the paper). */
  mu: number;
  /** Tap weights w_k, one per tap; total = Σ w_k·ℓ_k. Default defaultTapWeights(taps.length). */
  weights: number[];
  /** Taps, as 1-based WRN group indices (the pre-ReLU BN at the end of each group), ascending. */
  taps: number[];
  /**
   * Teacher BN mode while computing its taps: 'eval' (running statistics: a sign map depends
   * on the image alone, so it can be cached and streamed; our default) or 'train' (batch
   * statistics, as the paper's code does).
   */
  teacherBnMode: 'eval' | 'train';
};

const schema: ParamSchema<AbParams> = {
  mu: numberParam({ min: 0 }),
  weights: arrayParam(numberParam({ min: 0 })),
  taps: arrayParam(numberParam({ min: 1, integer: true })),
  teacherBnMode: enumParam(['eval', 'train'] as const),
};

const defaults = (): AbParams => ({
  mu: 1,
  weights: defaultTapWeights(3),
  taps: [1, 2, 3],
  teacherBnMode: 'eval',
});

function validate(input?: unknown): AbParams {
  const p = validateParams('ab', schema, defaults(), input);
  const given = (input ?? {}) as Partial<AbParams>;
  if (given.taps !== undefined && given.weights === undefined)
    p.weights = defaultTapWeights(p.taps.length);
  if (p.taps.some((t, i) => i > 0 && t <= p.taps[i - 1])) {
    throw new MethodParamsError(
      `method 'ab': parameter 'taps' must be strictly ascending, got [${p.taps}]`,
      'taps',
    );
  }
  if (p.weights.length !== p.taps.length) {
    throw new MethodParamsError(
      `method 'ab': parameter 'weights' has ${p.weights.length} entries but 'taps' has ${p.taps.length}`,
      'weights',
    );
  }
  return p;
}

/** Activation-boundary transfer (Heo et al., AAAI 2019): the AB initialization stage. */
export const abMethod: InitMethod<AbParams> = {
  name: 'ab',
  kind: 'init',
  teacherSignal: 'signs',
  description:
    'activation boundaries: student + connectors learn the teacher’s neuron on/off pattern (Heo et al. 2019)',
  defaultParams: defaults,
  validate,
  loss: (student, teacher, params) => abTotalLoss(student, teacher, params),
};
