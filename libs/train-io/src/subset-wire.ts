import type { SubsetSelection } from '@abd/data';
import type { common } from '@abd/proto';

/*
 * The wire form of a subset (common.Subset: a fraction or a count, and a seed) and the config
 * form (`SubsetSelection`, what `subsetIndices` in libs/data takes). Converting only: the limits
 * are checked once, by `subsetIndices`.
 */

/** common.Subset → SubsetSelection; a subset without a size keeps just its seed (and is rejected by `subsetIndices`). */
export function subsetFromWire(s: common.Subset | undefined): SubsetSelection | undefined {
  if (!s) return undefined;
  const z = s.size;
  if (z?.$case === 'fraction') return { fraction: z.fraction, seed: s.seed };
  if (z?.$case === 'count') return { count: z.count, seed: s.seed };
  return { seed: s.seed };
}

/** SubsetSelection → common.Subset (a selection with neither key goes out as count 0, which the services reject). */
export function subsetToWire(s: SubsetSelection | undefined): common.Subset | undefined {
  if (!s) return undefined;
  return {
    size:
      s.fraction !== undefined
        ? { $case: 'fraction', fraction: s.fraction }
        : { $case: 'count', count: s.count ?? 0 },
    seed: s.seed,
  };
}
