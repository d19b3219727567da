import { z } from 'zod';
import {
  getMethod,
  MethodParamsError,
  type AtParams,
  type FitnetsParams,
  type FspParams,
  type JacobianParams,
} from '@abd/distill';
import type { ConfigIssue } from './schema';

/** The paper's baselines whose parameters a run config carries (under their registry names). */
export const BASELINES = ['fitnets', 'at', 'fsp', 'jacobian'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** Each baseline's completed parameters: the types of the methods in @abd/distill. */
export interface BaselineParamsOf {
  fitnets: FitnetsParams;
  at: AtParams;
  fsp: FspParams;
  jacobian: JacobianParams;
}

/**
 * Parameters of the paper's baselines as a config gives them (each method's JSDoc in
 * @abd/distill says what they mean; absent keys take that method's defaults via its `validate`).
 */
export type BaselineParams = { [N in BaselineName]?: Partial<BaselineParamsOf[N]> };

const optInt = z.number().int().min(1).optional();
const optNum = z.number().min(0).optional();
const taps = z.array(z.number().int().min(1)).optional();

/** The config sections of the baselines (RUN_SCHEMA); optional, completed by the method's own validate(). */
export const BASELINE_SCHEMA = {
  fitnets: z
    .object({ studentTap: optInt, teacherTap: optInt, regressorKernel: optInt, weight: optNum })
    .strict()
    .optional(),
  at: z
    .object({ beta: optNum, p: optNum, taps, form: z.enum(['code', 'paper']).optional() })
    .strict()
    .optional(),
  fsp: z
    .object({ groups: taps, weights: z.array(z.number().min(0)).optional() })
    .strict()
    .optional(),
  jacobian: z
    .object({
      lambda: optNum,
      output: z.enum(['teacher-top', 'label']).optional(),
      mode: z.enum(['first-order', 'second-order']).optional(),
      fdEps: optNum,
    })
    .strict()
    .optional(),
};

/**
 * Our recipe's defaults for the baselines where the method's own default does not train:
 * FitNets' ½‖W_r(S) − T‖² and FSP's Σ‖G_S − G_T‖² are sums over every element, so at the
 * init stage's lr 0.1 (AB's recipe) they diverge with weight 1. Like AB's tap weights
 * (3/4000, 3/2000, 3/1000) they are scaled down: measured on WRN-10-2 → WRN-10-1, 28×28,
 * batch 32, lr 0.1: FitNets 1e-2 diverges, 3e-3 spikes, 1e-3 falls smoothly; FSP 1e-2 spikes,
 * 1e-3 and 1e-4 fall smoothly; FSP takes 2e-4 as its matrices grow with the teacher's width².
 */
export const BASELINE_RECIPE = { fitnets: { weight: 1e-3 }, fspWeight: 2e-4 } as const;

/** A baseline's parameters for a run: the config's keys, else our recipe, else the method's defaults. */
export function baselineParams<N extends BaselineName>(
  cfg: BaselineParams,
  name: N,
): BaselineParamsOf[N] {
  const given = (cfg[name] ?? {}) as Record<string, unknown>;
  let p: Record<string, unknown> = { ...given };
  if (name === 'fitnets') p = { ...BASELINE_RECIPE.fitnets, ...given };
  if (name === 'fsp' && given.weights === undefined) {
    const groups = (given.groups as number[] | undefined) ?? [1, 2, 3];
    p = { ...given, weights: groups.map(() => BASELINE_RECIPE.fspWeight) };
  }
  return getMethod(name).validate(p) as BaselineParamsOf[N];
}

/** The problems of the baselines' sections present in `parts`, each at its key (`at.beta`). */
export function baselineIssues(parts: Record<string, unknown>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const name of BASELINES) {
    if (!(name in parts)) continue;
    try {
      baselineParams(parts as BaselineParams, name);
    } catch (e) {
      if (e instanceof MethodParamsError)
        out.push({ path: `${name}.${e.key ?? ''}`, message: `'${name}': ${e.message}` });
      else throw e;
    }
  }
  return out;
}
