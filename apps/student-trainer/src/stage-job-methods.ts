import { MethodParamsError } from '@abd/distill';
import { InvalidArgumentError } from '@abd/grpc-kit';
import { BASELINES, baselineParams, RUN_METHODS, stagesOf, type RunMethod } from '@abd/train';
import { finite } from './job-spec';

/** Names a stage job may give for a run method besides the run methods' own. */
const ALIASES: Record<string, Record<string, RunMethod>> = {
  classify: { ce: 'none', ab: 'ab+ce' },
  ab_init: { '': 'ab+ce', ab: 'ab+ce' },
};

/**
 * The run method a stage job names, whose `stage` it runs; INVALID_ARGUMENT naming
 * `spec.<job>.method` for an unknown name or a method without that stage.
 */
export function stageMethodOf(job: 'ab_init' | 'classify', name: string): RunMethod {
  const field = `spec.${job}.method`;
  const m = ALIASES[job][name] ?? RUN_METHODS.find((r) => r === name);
  const known = RUN_METHODS.filter((r) => job === 'classify' || stagesOf(r).init);
  if (!m || (job === 'ab_init' && !stagesOf(m).init))
    throw new InvalidArgumentError(
      field,
      `'${name}' is not a method with ${job === 'ab_init' ? 'an initialisation' : 'a classification'} stage (known: ${Object.keys(ALIASES[job]).filter(Boolean).concat(known).join(', ')})`,
    );
  return m;
}

/**
 * The run config section of a stage job's method_params: the parameters of the stage's
 * baseline part (an init stage's FitNets / FSP, a classification's AT / Jacobian term),
 * checked by that method in @abd/distill; a stage without one takes none.
 */
export function stageParamsOf(
  job: 'ab_init' | 'classify',
  method: RunMethod,
  params: Record<string, number>,
): Record<string, unknown> {
  const field = `spec.${job}.method_params`;
  const keys = Object.keys(params);
  const s = stagesOf(method);
  const part = job === 'ab_init' ? s.init?.part : s.classify.joint;
  const baseline = BASELINES.find((b) => b === part);
  if (!baseline) {
    if (keys.length)
      throw new InvalidArgumentError(
        field,
        `this stage of ${method} takes no parameters, got ${keys.join(', ')}`,
      );
    return {};
  }
  for (const k of keys) finite(`${field}.${k}`, params[k]);
  try {
    baselineParams({ [baseline]: params }, baseline);
  } catch (e) {
    if (e instanceof MethodParamsError)
      throw new InvalidArgumentError(`${field}${e.key ? `.${e.key}` : ''}`, e.message);
    throw e;
  }
  return keys.length ? { [baseline]: { ...params } } : {};
}
