import type { ScheduleKind } from './schedule';

export const RECIPE_NAMES = ['standard', 'paper-code'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** The keys a recipe sets; every other key has one default whatever the recipe. */
export interface RecipeKeys {
  teacher: { schedule: ScheduleKind };
  ab: { schedule: ScheduleKind; resetOptimizer: boolean };
  kd: { t2Factor: boolean; alpha: number };
  train: { schedule: ScheduleKind };
}

/**
 * - `standard`: knowledge distillation as it is usually trained (Hinton et al. 2015): the soft
 *   term scaled by T² so its gradients keep their size at T = 3, plus a small CE term
 *   (α = 0.1 → 0.9·KD·T² + 0.1·CE), and lr / 5 at 30/60/80 % of the steps (the PyTorch
 *   reference's schedule, docs/design.md §9 (Reference results)) in every stage.
 * - `paper-code`: what the paper's published code does
 *   (docs/design.md §4 (Training recipe and schedules)): KD without T² and without CE, lr / 5 at epoch boundaries, a constant-lr AB stage
 *   whose optimizer is made anew at ⌈0.75·E₁⌉+1. `abd repro` uses it so its figures stay the
 *   paper code's.
 */
export const RECIPES: Record<RecipeName, RecipeKeys> = {
  standard: {
    teacher: { schedule: 'per-step' },
    ab: { schedule: 'per-step', resetOptimizer: false },
    kd: { t2Factor: true, alpha: 0.1 },
    train: { schedule: 'per-step' },
  },
  'paper-code': {
    teacher: { schedule: 'paper-epochs' },
    ab: { schedule: 'constant', resetOptimizer: true },
    kd: { t2Factor: false, alpha: 0 },
    train: { schedule: 'paper-epochs' },
  },
};

/** The default recipe: a user with their own data expects distillation to help (the README's Configs says why). */
export const DEFAULT_RECIPE: RecipeName = 'standard';

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `raw` with the recipe's keys filled in wherever the config does not give them (explicit keys win). */
export function expandRecipe(raw: unknown): unknown {
  if (!isTree(raw)) return raw;
  const name = raw.recipe ?? DEFAULT_RECIPE;
  // An unknown recipe is reported by the schema; its keys then take the schema's defaults.
  if (typeof name !== 'string' || !(RECIPE_NAMES as readonly string[]).includes(name)) return raw;
  const out: Tree = { ...raw };
  for (const [section, keys] of Object.entries(RECIPES[name as RecipeName])) {
    const given = out[section];
    // A section of the wrong type is left as it is for the schema to name.
    if (given === undefined || isTree(given)) out[section] = { ...keys, ...(given ?? {}) };
  }
  return out;
}

/** The recipe keys of a validated config that differ from its recipe (for reports): `kd.alpha=0`, … */
export function recipeOverrides(cfg: { recipe: RecipeName }): string[] {
  const out: string[] = [];
  for (const [section, keys] of Object.entries(RECIPES[cfg.recipe])) {
    for (const [k, v] of Object.entries(keys)) {
      const got = ((cfg as unknown as Tree)[section] as Tree | undefined)?.[k];
      if (got !== v) out.push(`${section}.${k}=${String(got)}`);
    }
  }
  return out;
}

/** `standard` or `paper-code (overridden: kd.alpha=0, …)`: the recipe line of a report. */
export function describeRecipe(cfg: { recipe: RecipeName }): string {
  const o = recipeOverrides(cfg);
  return o.length ? `${cfg.recipe} (overridden: ${o.join(', ')})` : cfg.recipe;
}
