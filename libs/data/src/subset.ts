import { check } from './data-error';
import { hashKey, mulberry32, shuffleInPlace, STREAM } from './rng';

export interface SubsetSpec {
  /** Share of the examples, in (0, 1]. */
  fraction?: number;
  /** Number of examples (at least one per class present). */
  count?: number;
}

/**
 * A stratified, seeded subset: every class keeps the same share of its examples (its quota of
 * the total, rounded by largest remainder), at least one per class. Every class in 0..classes-1
 * must have examples: an absent class is an error, not a silently skewed subset. Sorted indices.
 * For one seed, a smaller subset is contained in a larger one (each class is cut from the same
 * seeded permutation), so 0.1 % ⊂ 1 % ⊂ 10 %.
 */
export function stratifiedSubset(
  labels: Uint8Array,
  classes: number,
  spec: SubsetSpec,
  seed: number,
): Int32Array {
  const n = labels.length;
  const { fraction, count } = spec;
  check(
    (fraction === undefined) !== (count === undefined),
    () => `stratifiedSubset: give exactly one of fraction or count, got ${JSON.stringify(spec)}`,
  );
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < n; i++) {
    check(
      labels[i] < classes,
      () => `stratifiedSubset: label ${labels[i]} at ${i} ≥ ${classes} classes`,
    );
    byClass[labels[i]].push(i);
  }
  // A class without examples cannot get its share: fail rather than train on a silently skewed subset.
  const absent = byClass.flatMap((ix, c) => (ix.length === 0 ? [c] : []));
  check(
    absent.length === 0,
    () =>
      `stratifiedSubset: class${absent.length > 1 ? 'es' : ''} ${absent.join(', ')} of ${classes} ha${absent.length > 1 ? 've' : 's'} no examples to draw from; a stratified subset would leave ${absent.length > 1 ? 'them' : 'it'} out`,
  );
  let total: number;
  if (fraction !== undefined) {
    check(
      fraction > 0 && fraction <= 1,
      () => `stratifiedSubset: fraction must be in (0, 1], got ${fraction}`,
    );
    total = Math.round(fraction * n);
  } else {
    total = count as number;
    check(
      Number.isInteger(total) && total >= 1 && total <= n,
      () => `stratifiedSubset: count must be an integer in [1, ${n}], got ${total}`,
    );
  }
  // Largest-remainder apportionment of `total` over the classes by size.
  const quota = byClass.map((ix) => (n === 0 ? 0 : (total * ix.length) / n));
  const take = quota.map(Math.floor);
  let left = total - take.reduce((a, b) => a + b, 0);
  const byRemainder = quota
    .map((q, c) => c)
    .sort((a, b) => quota[b] - take[b] - (quota[a] - take[a]) || a - b);
  for (const c of byRemainder) {
    if (left <= 0) break;
    take[c]++;
    left--;
  }
  const picked: number[] = [];
  byClass.forEach((ix, c) => {
    const k = Math.min(ix.length, Math.max(1, take[c]));
    const perm = Int32Array.from(ix);
    shuffleInPlace(perm, mulberry32(hashKey(STREAM.subset, seed, c)));
    for (let j = 0; j < k; j++) picked.push(perm[j]);
  });
  return Int32Array.from(picked).sort();
}

/** A subset as a config or a request gives it: exactly one of fraction or count, and its seed. */
export interface SubsetSelection extends SubsetSpec {
  seed: number;
}

/**
 * The one subset → indices rule of the project (docs/design.md, "Subsets"): no subset means every
 * example, 0..n-1 in order; otherwise `stratifiedSubset` with the selection's seed. Its limits are
 * the only ones: fraction in (0, 1], count an integer in [1, n] — a count above the set's size is an
 * error, never a silent "all" (count = n selects every example, as no subset does).
 */
export function subsetIndices(
  set: { labels: Uint8Array; classes: number },
  subset: SubsetSelection | undefined,
): Int32Array {
  if (!subset) return Int32Array.from({ length: set.labels.length }, (_, i) => i);
  return stratifiedSubset(
    set.labels,
    set.classes,
    { fraction: subset.fraction, count: subset.count },
    subset.seed,
  );
}
