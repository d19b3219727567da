import { InvalidArgumentError } from './errors';
import { validateName } from './validate-name';

/** More taps than any of our networks has; a cap so a request cannot ask for unbounded work. */
export const MAX_TAPS = 64;

/** A name as it may appear in a status message: long ones cut, so the status fits its metadata. */
export function shownName(name: string, max = 64): string {
  return JSON.stringify(
    name.length > max ? `${name.slice(0, max)}… (${name.length} characters)` : name,
  );
}

/**
 * Checks a request's tap list before any work: at most `max` names, none twice (a duplicate
 * would repeat the work and the answer; the answer is positional, so dropping one silently
 * would shift it). With `names`, each must also be a valid name (validateName): for taps that
 * reach the store as part of a key. Throws InvalidArgumentError naming `field` (or `field[i]`).
 */
export function checkTapList(
  field: string,
  taps: readonly string[],
  o: { max?: number; names?: boolean } = {},
): void {
  const max = o.max ?? MAX_TAPS;
  if (taps.length > max)
    throw new InvalidArgumentError(field, `${taps.length} taps requested, at most ${max}`);
  const seen = new Set<string>();
  for (const [i, t] of taps.entries()) {
    if (o.names) validateName(`${field}[${i}]`, t);
    if (seen.has(t))
      throw new InvalidArgumentError(`${field}[${i}]`, `${shownName(t)} is listed twice`);
    seen.add(t);
  }
}
